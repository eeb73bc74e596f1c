package dev.flotilla.vm.jclouds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Secret;
import java.util.ArrayList;
import java.util.List;
import org.jclouds.logging.Logger;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

class QuietLoggingTest {
  /** An SLF4J logger at one level that keeps what it is given. */
  static final class Recording extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    final Level level;
    final List<String> lines = new ArrayList<>();

    Recording(Level level) {
      this.level = level;
      this.name = "recording";
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level at, org.slf4j.Marker marker, String message, Object[] args,
        Throwable t) {
      lines.add(at + " " + message + (t == null ? "" : " | " + t));
    }

    private boolean on(Level l) {
      return l.toInt() >= level.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
      return on(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return on(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return on(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return on(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return on(Level.ERROR);
    }
  }

  @Test
  void theCategoriesThatWriteRequestsOutNeverLogWhileOthersGoToSlf4j() {
    Logger.LoggerFactory factory = new QuietLogging().createLoggerFactory();

    for (String category : QuietLogging.SILENT) {
      assertThat(factory.getLogger(category)).isSameAs(Logger.NULL);
    }
    assertThat(QuietLogging.SILENT).contains("jclouds.wire", "jclouds.headers");
    assertThat(factory.getLogger("jclouds.compute")).isInstanceOf(QuietLogging.Quiet.class);
  }

  @Test
  void atTheDefaultLevelJcloudsSaysNothingAndItsErrorsAreDebugMessages() {
    Recording warn = new Recording(Level.WARN);
    Logger quiet = new QuietLogging.Quiet("org.jclouds.x", warn);
    quiet.error("Cannot retry after server error, command has exceeded retry limit %s", 0);
    quiet.warn(new RuntimeException("x"), "warned");
    quiet.info("said");
    assertThat(warn.lines).isEmpty();

    Recording debug = new Recording(Level.DEBUG);
    quiet = new QuietLogging.Quiet("org.jclouds.x", debug);
    quiet.error("Cannot retry after server error, command has exceeded retry limit %s", 0);
    quiet.warn(new RuntimeException("boom"), "warned");
    assertThat(debug.lines).containsExactly("DEBUG Cannot retry after server error, command has exceeded retry limit 0",
        "DEBUG warned: java.lang.RuntimeException: boom");

    Recording trace = new Recording(Level.TRACE);
    new QuietLogging.Quiet("org.jclouds.x", trace).error(new IllegalStateException("deep"), "failed");
    assertThat(trace.lines).singleElement().asString().startsWith("TRACE failed | java.lang.IllegalStateException: deep");
  }

  @Test
  void secretsNeverReachTheLogAtAnyLevel() {
    String password = Secret.of("s3cret-Pa55-word").reveal();
    Recording trace = new Recording(Level.TRACE);
    Logger quiet = new QuietLogging.Quiet("org.jclouds.rest", trace);
    quiet.trace(">> invoking %s with password %s", "login", password);
    quiet.debug("headers {X-Auth-Token=[gAAAAABnToKeN123], Authorization=[AWS4-HMAC-SHA256 Credential=AKIA/x, "
        + "Signature=abcdef0123]} for GET /servers");
    quiet.error(new RuntimeException("auth failed for " + password), "login");
    assertThat(String.join("\n", trace.lines)).doesNotContain(password).doesNotContain("gAAAAABnToKeN123")
        .doesNotContain("abcdef0123").contains("X-Auth-Token=****");
  }
}
