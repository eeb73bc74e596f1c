package example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's snippets are cut from this project, so they cannot drift: a fenced block after
 * {@code <!-- snippet: FILE#REGION[,REGION] -->} must be exactly the regions between {@code tag::REGION[]} and
 * {@code end::REGION[]} of FILE (relative to the repository root), without their common indentation.
 */
class ReadmeSnippetsTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern SNIPPET = Pattern.compile(
      "<!-- snippet: (\\S+)#(\\S+) -->\\n```\\w*\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everySnippetInTheReadmeIsTheExampleCodeItNames() throws IOException {
    Map<String, String> snippets = snippets();
    assertThat(snippets.keySet()).as("snippets the README takes from the examples").contains(
        "examples/pom.xml#bom,dependencies",
        "examples/src/main/java/example/QuickStart.java#quick-start",
        "examples/src/main/java/example/QuickStart.java#by-profile",
        "examples/src/test/java/example/DeployTest.java#deploy-test");
    for (Map.Entry<String, String> e : snippets.entrySet()) {
      String[] at = e.getKey().split("#");
      List<String> parts = new ArrayList<>();
      for (String region : at[1].split(",")) {
        parts.add(region(ROOT.resolve(at[0]), region));
      }
      assertThat(e.getValue()).as("README.md's snippet of %s; copy the region from the file", e.getKey())
          .isEqualTo(String.join("\n", parts));
    }
  }

  @Test
  void theExampleImportsTheVersionThisRepositoryBuilds() throws IOException {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    Matcher version = Pattern.compile("<artifactId>flotilla-parent</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(parent);
    assertThat(version.find()).as("the version in pom.xml").isTrue();
    assertThat(region(ROOT.resolve("examples/pom.xml"), "bom")).contains("<version>" + version.group(1) + "</version>");
  }

  private static Map<String, String> snippets() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = SNIPPET.matcher(Files.readString(ROOT.resolve("README.md")));
    while (m.find()) {
      out.put(m.group(1) + "#" + m.group(2), m.group(3));
    }
    return out;
  }

  /** The lines between the region's markers, other markers left out, dedented, each ending in a line break. */
  private static String region(Path file, String name) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int start = indexOf(lines, "tag::" + name + "[]", 0, file);
    int end = indexOf(lines, "end::" + name + "[]", start, file);
    List<String> body = lines.subList(start + 1, end).stream()
        .filter(l -> !l.contains("tag::") && !l.contains("end::")).toList();
    int indent = body.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder sb = new StringBuilder();
    body.forEach(l -> sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n'));
    return sb.toString();
  }

  private static int indexOf(List<String> lines, String marker, int from, Path file) {
    for (int i = from; i < lines.size(); i++) {
      if (lines.get(i).contains(marker)) {
        return i;
      }
    }
    throw new AssertionError(file + " has no line with " + marker);
  }
}
