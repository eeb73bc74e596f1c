package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.store.CloudConfig;
import dev.flotilla.vm.store.FileNodeStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Records and cloud.json files, generated and mutated (cut, spliced, with keys twice, wrong types, control
 * characters, deep nesting, big values): reading one gives a result or a {@link ConfigurationException}
 * that names the file in a message of reasonable size, nothing else, and the file is left as it was.
 */
class HostileFilesProperties {
  private static final String RECORD = """
      {
        "ip_address": "198.51.100.7",
        "services": ["webapp", "couchdb"],
        "tags": ["seattle"],
        "inherit": "base",
        "vm": {
          "id": "i-0abc",
          "auth": "aws-prod",
          "image": "ami-1",
          "type": "t2.small",
          "cpus": 2,
          "memory_mb": 2048,
          "options": {"InstanceType": "t2.small", "KeyName": "ops"},
          "intent": {"token": "flotilla-1", "profile": "aws-prod", "spec": "abc", "nodes": ["web1"],
                     "since": "2026-12-01T10:15:30Z"}
        }
      }
      """;

  private static final String CLOUD = """
      {
        "aws-prod": {"api": "aws", "vendor": "aws",
          "auth": {"region": "us-west-2", "aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "x",
                   "request_timeout": "30"},
          "default_image": "ami-98e114f8", "default_options": {"InstanceType": "t2.small"}},
        "os": {"api": "openstack", "auth": {"auth_url": "https://keystone.example.org:5000/v3", "username": "u",
                 "password": "p", "project_name": "demo", "max_parallel": "4"}},
        "lal": {"api": "stratuslab", "auth": {"endpoint": "cloud.lal.stratuslab.eu", "username": "u", "password": "p",
                 "max_answer_bytes": "1000000"}}
      }
      """;

  @Property(tries = 400)
  void aMutatedRecordIsReadOrRefusedAndNeverChanged(@ForAll("records") String text) throws IOException {
    Path dir = Files.createTempDirectory("hostile-record");
    try {
      Path file = dir.resolve("nodes/web1.json");
      Files.createDirectories(file.getParent());
      Files.writeString(dir.resolve("nodes/base.json"), "{\"vm\": {\"type\": \"m1.small\"}}");
      Files.write(file, text.getBytes(StandardCharsets.UTF_8)); // an unpaired surrogate becomes "?"
      byte[] before = Files.readAllBytes(file);
      FileNodeStore store = FileNodeStore.open(dir);
      try {
        store.get("web1");
        store.list();
      } catch (ConfigurationException e) {
        assertThat(e.getMessage()).contains(file.toString()).hasSizeLessThan(2000);
      }
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 400)
  void aMutatedCloudJsonIsReadOrRefusedAndNeverChanged(@ForAll("clouds") String text) throws IOException {
    Path dir = Files.createTempDirectory("hostile-cloud");
    try {
      Path file = dir.resolve("cloud.json");
      Files.write(file, text.getBytes(StandardCharsets.UTF_8)); // an unpaired surrogate becomes "?"
      byte[] before = Files.readAllBytes(file);
      try {
        CloudConfig.load(file, List.of("aws", "openstack", "stratuslab", "fake"));
      } catch (ConfigurationException e) {
        assertThat(e.getMessage()).contains(file.toString()).hasSizeLessThan(2000);
      }
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
    } finally {
      delete(dir);
    }
  }

  @Provide
  Arbitrary<String> records() {
    return mutations(RECORD);
  }

  @Provide
  Arbitrary<String> clouds() {
    return mutations(CLOUD);
  }

  /** {@code base}, mutated once or a few times. */
  private static Arbitrary<String> mutations(String base) {
    Arbitrary<String> once = Arbitraries.oneOf(cut(base), splice(base), twice(base), retype(base), deep(),
        Arbitraries.just(base));
    return once.flatMap(first -> Arbitraries.oneOf(Arbitraries.just(first), cut(first), splice(first)));
  }

  private static Arbitrary<String> cut(String s) {
    return Combinators.combine(Arbitraries.integers().between(0, s.length()), Arbitraries.integers().between(0, 40))
        .as((at, n) -> s.substring(0, at) + s.substring(Math.min(s.length(), at + n)));
  }

  private static Arbitrary<String> splice(String s) {
    Arbitrary<String> junk = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(12),
        Arbitraries.of("\"", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "1e999", "\u001b[31m", "\u0000",
            "\\u0000", "\"vm\":", "\"id\": 7,", "𝄞", "\uD800"));
    return Combinators.combine(Arbitraries.integers().between(0, s.length()), junk)
        .as((at, j) -> s.substring(0, at) + j + s.substring(at));
  }

  /** A key given twice. */
  private static Arbitrary<String> twice(String s) {
    return Arbitraries.of("\"id\": \"i-0abc\",", "\"api\": \"aws\", \"api\": \"fake\",", "\"tags\": [\"x\"],")
        .map(dup -> s.replaceFirst("\\{", "{" + dup + dup.replace("\"i-0abc\"", "\"i-0def\"")));
  }

  /** A value of another JSON type where one is expected. */
  private static Arbitrary<String> retype(String s) {
    return Arbitraries.of("[]", "{}", "0", "-3", "2147483648", "true", "null", "\"\"", "1.5")
        .map(v -> s.replaceFirst(":\\s*(\"[^\"]*\"|\\[[^\\]]*\\]|\\d+)", ": " + v));
  }

  private static Arbitrary<String> deep() {
    return Arbitraries.integers().between(60, 5000).map(n -> "{\"vm\": " + "[".repeat(n) + "]".repeat(n) + "}");
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
