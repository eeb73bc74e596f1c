package dev.flotilla.vm.jclouds;

import static org.assertj.core.api.Assertions.assertThat;

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
  }
}
