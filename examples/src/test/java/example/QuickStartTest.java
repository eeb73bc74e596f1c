package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the quick start's main, as {@code exec:java} does, and reads what it printed. */
class QuickStartTest {
  @Test
  void theQuickStartStartsStopsAndDestroysOnTheFakeCloudThenAgainByProfile() {
    PrintStream out = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      QuickStart.main(new String[0]);
    } finally {
      System.setOut(out);
    }
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size(), () -> "printed: " + lines);
    assertTrue(lines.get(0).matches("started \\S+ for web1: RUNNING at \\d+\\.\\d+\\.\\d+\\.\\d+; then stopped and"
        + " destroyed; VMs left: 0"), lines.get(0));
    assertTrue(lines.get(1).matches("profile lab: \\S+ RUNNING from debian-12"), lines.get(1));
  }
}
