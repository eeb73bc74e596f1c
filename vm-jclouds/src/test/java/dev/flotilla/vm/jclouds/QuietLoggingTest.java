package dev.flotilla.vm.jclouds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.jclouds.logging.Logger;
import org.junit.jupiter.api.Test;

class QuietLoggingTest {
  @Test
  void theCategoriesThatWriteRequestsOutNeverLogWhileOthersGoToSlf4j() {
    Logger.LoggerFactory factory = new QuietLogging().createLoggerFactory();

    for (String category : QuietLogging.SILENT) {
      assertThat(factory.getLogger(category)).isSameAs(Logger.NULL);
    }
    assertThat(factory.getLogger("jclouds.compute")).isNotSameAs(Logger.NULL);
    assertThat(QuietLogging.SILENT).contains("jclouds.wire", "jclouds.headers");
    assertThat(factory.getLogger("org.jclouds.http.handlers.BackoffLimitedRetryHandler"))
        .isInstanceOf(QuietLogging.Demoted.class);
  }

  @Test
  void aDemotedLoggerWritesErrorsAndWarningsAsDebug() {
    List<String> seen = new ArrayList<>();
    Logger recording = (Logger) java.lang.reflect.Proxy.newProxyInstance(Logger.class.getClassLoader(),
        new Class<?>[] {Logger.class}, (proxy, method, args) -> {
          seen.add(method.getName());
          return method.getReturnType() == boolean.class ? true : null;
        });
    Logger demoted = new QuietLogging.Demoted(recording);

    demoted.error("Cannot retry after server error");
    demoted.warn(new RuntimeException("x"), "warned");
    demoted.info("said");

    assertThat(seen).containsExactly("debug", "debug", "info");
  }
}
