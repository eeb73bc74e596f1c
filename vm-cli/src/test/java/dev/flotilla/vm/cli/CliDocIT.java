package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/cli.md is one session: every {@code $ vm} line of it runs, in order, in one empty directory on the
 * embedded fake cloud, and every line shown under a command (but those with {@code ...}) must be in what it
 * printed; a command shown with an {@code error:} line must fail, every other must succeed. Sections with a
 * {@code <!-- not run: ... -->} line are left out, up to the next heading of their level or above.
 */
@Timeout(600)
class CliDocIT {
  /** The key the session registers, as keys/ops.pub (any OpenSSH public key). */
  private static final String KEY =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops\n";

  @TempDir
  Path dir;

  private record Step(int line, List<String> args, List<String> shown) {}

  @Test
  void everyCommandOfTheCliPageRunsAsShown() throws Exception {
    List<Step> steps = steps(Path.of("..", "docs", "cli.md"));
    assertThat(steps).as("the page's commands").hasSizeGreaterThan(30);
    Files.createDirectories(dir.resolve("keys"));
    Files.writeString(dir.resolve("keys/ops.pub"), KEY);
    for (Step step : steps) {
      VmCommand.Result r = VmCommand.together(dir, step.args());
      String printed = normalized(r.out());
      String where = "docs/cli.md:" + step.line() + ": vm " + String.join(" ", step.args()) + "\nprinted:\n" + r.out();
      boolean fails = step.shown().stream().anyMatch(l -> l.startsWith("error:"));
      assertThat(r.exit() != 0).as(where + "\nfails").isEqualTo(fails);
      for (String shown : step.shown()) {
        if (!shown.contains("...")) {
          assertThat(printed).as(where).contains(normalized(shown.replace("/srv/site", dir.toString())));
        }
      }
    }
  }

  /** The commands of the page, each with the lines shown under it. */
  static List<Step> steps(Path page) throws IOException {
    List<String> lines = Files.readAllLines(page);
    List<Step> out = new ArrayList<>();
    int skipFrom = 0; // the heading level a "not run" mark holds until; 0: none
    Step current = null;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.startsWith("#")) {
        int level = l.indexOf(' ');
        if (skipFrom > 0 && level <= skipFrom) {
          skipFrom = 0;
        }
        current = null;
        continue;
      }
      if (l.startsWith("<!-- not run")) {
        skipFrom = headingLevel(lines, i);
        continue;
      }
      if (skipFrom > 0) {
        continue;
      }
      if (l.startsWith("    $ vm ")) {
        String command = l.substring("    $ vm ".length()).replaceAll("\\s+#(\\s.*)?$", "").strip();
        current = new Step(i + 1, List.of(command.split("\\s+")), new ArrayList<>());
        out.add(current);
      } else if (current != null && l.startsWith("    ") && !l.isBlank()) {
        current.shown().add(l.substring(4));
      } else if (!l.isBlank()) {
        current = null;
      }
    }
    return out;
  }

  /** The level of the heading above line {@code at}. */
  private static int headingLevel(List<String> lines, int at) {
    for (int i = at; i >= 0; i--) {
      if (lines.get(i).startsWith("#")) {
        return lines.get(i).indexOf(' ');
      }
    }
    return 1;
  }

  /** Runs of spaces as one, each line trimmed at its end: tables are compared by their words. */
  private static String normalized(String text) {
    return String.join("\n", text.lines().map(l -> l.replaceAll(" {2,}", " ").stripTrailing()).toList());
  }

  @Test
  void theSessionParserSeesCommandsOutputsAndMarks() throws IOException {
    Path page = dir.resolve("page.md");
    Files.writeString(page, String.join("\n", "# Title", "", "## A", "", "    $ vm add web1   # a comment",
        "    added node web1", "", "text", "", "    $ vm status", "## B", "<!-- not run: no cloud -->",
        "    $ vm --auth x start", "### B1", "    $ vm rm web1", "## C", "    $ vm stop", ""));
    List<Step> steps = steps(page);
    assertThat(steps).extracting(Step::args).containsExactly(List.of("add", "web1"), List.of("status"),
        List.of("stop"));
    assertThat(steps.get(0).shown()).containsExactly("added node web1");
    assertThat(Map.of("lines", steps.get(2).line())).containsEntry("lines", 17);
  }
}
