package dev.flotilla.vm.jclouds;

import java.util.Set;
import org.jclouds.Constants;
import org.jclouds.logging.Logger;
import org.jclouds.logging.slf4j.config.SLF4JLoggingModule;

/**
 * jclouds logging through SLF4J, except the categories that write requests out whole: {@code
 * jclouds.wire} (bodies: Keystone's password, user data), {@code jclouds.headers} (tokens,
 * signatures) and {@code jclouds.signature}. Whatever level a user sets, they stay silent, so turning
 * on debug logging never puts a secret in a log.
 */
public final class QuietLogging extends SLF4JLoggingModule {
  /** The categories that never log. */
  public static final Set<String> SILENT = Set.of(Constants.LOGGER_HTTP_WIRE, Constants.LOGGER_HTTP_HEADERS,
      Constants.LOGGER_SIGNATURE);

  @Override
  public Logger.LoggerFactory createLoggerFactory() {
    Logger.LoggerFactory slf4j = super.createLoggerFactory();
    return category -> SILENT.contains(category) ? Logger.NULL : slf4j.getLogger(category);
  }
}
