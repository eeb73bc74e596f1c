package dev.flotilla.vm.jclouds;

import dev.flotilla.vm.support.Redact;
import java.util.Set;
import org.jclouds.Constants;
import org.jclouds.logging.Logger;
import org.jclouds.logging.config.LoggingModule;

/**
 * jclouds logging through SLF4J, quiet and without secrets. Flotilla reports every failure itself, once
 * and in one line, so jclouds' own warnings and errors (retries it will not make, parse problems, the
 * exception behind a failure) are debug messages: nothing of jclouds shows at the default level, all of it
 * with {@code -vv}, and stack traces only at trace level ({@code -vvv}). The categories that write requests
 * out whole ({@code jclouds.wire}: bodies such as Keystone's password or user data; {@code
 * jclouds.headers}: tokens and signatures; {@code jclouds.signature}) never log, and every message passes
 * through {@link Redact} on its way out.
 */
public final class QuietLogging extends LoggingModule {
  /** The categories that never log. */
  public static final Set<String> SILENT = Set.of(Constants.LOGGER_HTTP_WIRE, Constants.LOGGER_HTTP_HEADERS,
      Constants.LOGGER_SIGNATURE);

  @Override
  public Logger.LoggerFactory createLoggerFactory() {
    return category -> SILENT.contains(category) ? Logger.NULL : new Quiet(category,
        org.slf4j.LoggerFactory.getLogger(category));
  }

  /** One category: info, warnings and errors at debug, throwables' traces only at trace, secrets masked. */
  static final class Quiet implements Logger {
    private final String category;
    private final org.slf4j.Logger to;

    Quiet(String category, org.slf4j.Logger to) {
      this.category = category;
      this.to = to;
    }

    private static String text(String message, Object... args) {
      String s;
      try {
        s = args == null || args.length == 0 ? message : String.format(message, args);
      } catch (java.util.IllegalFormatException e) {
        s = message;
      }
      return Redact.secrets(s);
    }

    private void debug(Throwable t, String message, Object... args) {
      if (to.isTraceEnabled()) {
        to.trace(text(message, args), Redact.throwable(t));
      } else if (to.isDebugEnabled()) {
        to.debug(text(message, args) + ": " + Redact.secrets(String.valueOf(t)));
      }
    }

    @Override
    public String getCategory() {
      return category;
    }

    @Override
    public void trace(String message, Object... args) {
      if (to.isTraceEnabled()) {
        to.trace(text(message, args));
      }
    }

    @Override
    public boolean isTraceEnabled() {
      return to.isTraceEnabled();
    }

    @Override
    public void debug(String message, Object... args) {
      if (to.isDebugEnabled()) {
        to.debug(text(message, args));
      }
    }

    @Override
    public boolean isDebugEnabled() {
      return to.isDebugEnabled();
    }

    @Override
    public void info(String message, Object... args) {
      debug(message, args);
    }

    @Override
    public boolean isInfoEnabled() {
      return to.isDebugEnabled();
    }

    @Override
    public void warn(String message, Object... args) {
      debug(message, args);
    }

    @Override
    public void warn(Throwable t, String message, Object... args) {
      debug(t, message, args);
    }

    @Override
    public boolean isWarnEnabled() {
      return to.isDebugEnabled();
    }

    @Override
    public void error(String message, Object... args) {
      debug(message, args);
    }

    @Override
    public void error(Throwable t, String message, Object... args) {
      debug(t, message, args);
    }

    @Override
    public boolean isErrorEnabled() {
      return to.isDebugEnabled();
    }
  }

}
