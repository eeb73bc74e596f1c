package dev.flotilla.vm.jclouds;

import java.util.Set;
import org.jclouds.Constants;
import org.jclouds.logging.Logger;
import org.jclouds.logging.slf4j.config.SLF4JLoggingModule;

/**
 * jclouds logging through SLF4J, with two changes. The categories that write requests out whole ({@code
 * jclouds.wire}: bodies such as Keystone's password or user data; {@code jclouds.headers}: tokens and
 * signatures; {@code jclouds.signature}) stay silent whatever level a user sets, so debug logging never
 * puts a secret in a log. And jclouds' complaints that it cannot retry ("Cannot retry after server
 * error", "Command not considered safe to retry") go to debug: its retries are off on purpose, since
 * Flotilla's client retries with backoff and a budget and reports what finally failed.
 */
public final class QuietLogging extends SLF4JLoggingModule {
  /** The categories that never log. */
  public static final Set<String> SILENT = Set.of(Constants.LOGGER_HTTP_WIRE, Constants.LOGGER_HTTP_HEADERS,
      Constants.LOGGER_SIGNATURE);

  /** The categories whose warnings and errors are logged at debug. */
  public static final Set<String> DEMOTED = Set.of("org.jclouds.http.handlers.BackoffLimitedRetryHandler",
      "org.jclouds.aws.handlers.AWSServerErrorRetryHandler", "org.jclouds.http.internal.JavaUrlHttpCommandExecutorService",
      "org.jclouds.http.internal.BaseHttpCommandExecutorService");

  @Override
  public Logger.LoggerFactory createLoggerFactory() {
    Logger.LoggerFactory slf4j = super.createLoggerFactory();
    return category -> SILENT.contains(category) ? Logger.NULL
        : DEMOTED.contains(category) ? new Demoted(slf4j.getLogger(category)) : slf4j.getLogger(category);
  }

  /** A logger whose warnings and errors are debug messages. */
  static final class Demoted implements Logger {
    private final Logger to;

    Demoted(Logger to) {
      this.to = to;
    }

    @Override
    public String getCategory() {
      return to.getCategory();
    }

    @Override
    public void trace(String message, Object... args) {
      to.trace(message, args);
    }

    @Override
    public boolean isTraceEnabled() {
      return to.isTraceEnabled();
    }

    @Override
    public void debug(String message, Object... args) {
      to.debug(message, args);
    }

    @Override
    public boolean isDebugEnabled() {
      return to.isDebugEnabled();
    }

    @Override
    public void info(String message, Object... args) {
      to.info(message, args);
    }

    @Override
    public boolean isInfoEnabled() {
      return to.isInfoEnabled();
    }

    @Override
    public void warn(String message, Object... args) {
      to.debug(message, args);
    }

    @Override
    public void warn(Throwable t, String message, Object... args) {
      to.debug(message + ": " + t, args);
    }

    @Override
    public boolean isWarnEnabled() {
      return to.isDebugEnabled();
    }

    @Override
    public void error(String message, Object... args) {
      to.debug(message, args);
    }

    @Override
    public void error(Throwable t, String message, Object... args) {
      to.debug(message + ": " + t, args);
    }

    @Override
    public boolean isErrorEnabled() {
      return to.isDebugEnabled();
    }
  }
}
