package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** All log output and every error message of a full lifecycle with real-looking credentials: no secret in any. */
class SecretsTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(120)
  void noSecretAppearsInLogsMessagesOrValues() throws Exception {
    Process p = ChildJvm.start(SecretsChild.class, List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=trace",
        "-Dorg.slf4j.simpleLogger.logFile=System.out"), dir.toString());
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("LIFECYCLE DONE").contains("DEBUG dev.flotilla.vm").contains("****")
        .contains("error: dev.flotilla.vm.ConfigurationException").contains("error: dev.flotilla.vm.CloudException")
        .contains("error: dev.flotilla.vm.ForbiddenTransitionException").contains("did you mean")
        .contains("AKIAIOSFODNN7EXAMPLE");
    for (String secret : List.of(SecretsChild.AWS_SECRET, SecretsChild.FAKE_SECRET, SecretsChild.OS_PASSWORD,
        SecretsChild.USER_DATA_PASSWORD)) {
      assertThat(out).as("output of the lifecycle").doesNotContain(secret);
    }
  }
}
