package dev.flotilla.vm.testkit.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeRecord;
import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.store.NodeDefinitions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNodeStoreTest {
  @TempDir
  Path dir;

  private FileNodeStore store() {
    return FileNodeStore.open(dir);
  }

  private JsonObject fileJson(String name) throws IOException {
    return JsonParser.parseString(Files.readString(dir.resolve("nodes/" + name + ".json"))).getAsJsonObject();
  }

  private Path writeRecord(String name, String json) throws IOException {
    Path file = dir.resolve("nodes/" + name + ".json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, json);
    return file;
  }

  private static Node full() {
    return Node.builder("web1").profile("aws-prod").image("ami-1").type("t2.small").cpus(2).memoryMb(2048).swapMb(0)
        .region("us-west-2").zone("us-west-2a").keyPair("ops").loginUser("debian").tag("seattle").service("webapp")
        .group("web").displayName("Web 1").userData("#cloud-config\n").securityGroups("ssh", "http")
        .antiAffinityGroup("web").option("InstanceType", "t2.small").build()
        .withRecord(NodeRecord.builder().vmId("i-0abc").publicAddress("198.51.100.7").privateAddress("10.0.0.7").build());
  }

  @Test
  void savesEveryPropertyUnderLeapsKeysAndReadsItBack() throws IOException {
    store().put(full());

    assertThat(store().get("web1")).contains(full());
    JsonObject json = fileJson("web1");
    assertThat(json.get("ip_address").getAsString()).isEqualTo("198.51.100.7");
    assertThat(json.getAsJsonArray("services").get(0).getAsString()).isEqualTo("webapp");
    assertThat(json.getAsJsonArray("tags").get(0).getAsString()).isEqualTo("seattle");
    JsonObject vm = json.getAsJsonObject("vm");
    assertThat(vm.get("id").getAsString()).isEqualTo("i-0abc");
    assertThat(vm.get("auth").getAsString()).isEqualTo("aws-prod");
    assertThat(vm.getAsJsonObject("options").get("InstanceType").getAsString()).isEqualTo("t2.small");
    assertThat(vm.get("memory_mb").getAsInt()).isEqualTo(2048);
    assertThat(json.has("name")).as("the file name is the node name").isFalse();
    try (var files = Files.list(dir.resolve("nodes"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("web1.json", ".lock");
    }
  }

  @Test
  void readsAFileLeapWrote() throws IOException {
    writeRecord("couch1", """
        {
          "ip_address": "0.0.0.0",
          "services": ["couchdb"],
          "tags": ["production", "seattle"],
          "vm": {"id": "", "auth": "aws", "options": {"InstanceType": "t2.medium"}}
        }
        """);

    Node n = store().get("couch1").orElseThrow();
    assertThat(n.isBound()).as("LEAP unbinds with an empty id").isFalse();
    assertThat(n.publicAddress()).as("and address 0.0.0.0").isEmpty();
    assertThat(n.services()).containsExactly("couchdb");
    assertThat(n.tags()).containsExactly("production", "seattle");
    assertThat(n.profile()).contains("aws");
    assertThat(n.options()).containsEntry("InstanceType", "t2.medium");
  }

  @Test
  void aChildInheritsWhatItDoesNotSetAndItsFileHoldsOnlyTheDifferences() throws IOException {
    Node parent = Node.builder("web").image("debian-12").type("m1.small").tag("seattle").option("a", "1").build();
    store().put(parent);
    Node child = parent.derive("web2").type("m1.large").option("b", "2").build()
        .withRecord(NodeRecord.builder().vmId("vm-2").build());

    store().put(child);

    Node read = store().get("web2").orElseThrow();
    assertThat(read.image()).contains("debian-12");
    assertThat(read.type()).contains("m1.large");
    assertThat(read.options()).containsEntry("a", "1").containsEntry("b", "2");
    JsonObject json = fileJson("web2");
    assertThat(json.get("inherit").getAsString()).isEqualTo("web");
    assertThat(json.getAsJsonObject("vm").has("image")).isFalse();
    assertThat(json.getAsJsonObject("vm").get("type").getAsString()).isEqualTo("m1.large");
    assertThat(json.getAsJsonObject("vm").getAsJsonObject("options").keySet()).containsExactly("b");

    store().update("web", p -> p.toBuilder().image("debian-13").build());
    assertThat(store().get("web2").flatMap(Node::image)).as("a change to the parent reaches the child").contains("debian-13");
  }

  @Test
  void inheritanceProblemsAreNamed() throws IOException {
    writeRecord("a", "{\"inherit\": \"b\"}");
    writeRecord("b", "{\"inherit\": \"a\"}");
    writeRecord("c", "{\"inherit\": \"nobody\"}");

    assertThatThrownBy(() -> store().get("a")).isInstanceOf(ConfigurationException.class).hasMessageContaining("loops");
    assertThatThrownBy(() -> store().get("c")).hasMessageContaining("names node 'nobody', which has no record");
    assertThatThrownBy(() -> store().put(Node.builder("d").parent("ghost").build()))
        .hasMessageContaining("save the parent first");
  }

  @Test
  void nameTemplatesWithARangeDefineSeveralNodes() {
    Node prototype = Node.builder("proto").image("debian-12").tag("web").build()
        .withRecord(NodeRecord.builder().vmId("vm-9").build());

    List<Node> nodes = NodeDefinitions.range("web{id}", 2, 4, prototype);

    assertThat(nodes).extracting(Node::name).containsExactly("web2", "web3", "web4");
    assertThat(nodes).allSatisfy(n -> {
      assertThat(n.image()).contains("debian-12");
      assertThat(n.isBound()).isFalse();
    });
    assertThatThrownBy(() -> NodeDefinitions.range("web", 1, 2, prototype)).hasMessageContaining("has no {id}");
    assertThatThrownBy(() -> NodeDefinitions.range("web{id}", 3, 1, prototype)).hasMessageContaining("empty");
    assertThatThrownBy(() -> NodeDefinitions.range("web_{id}", 1, 1, prototype)).hasMessageContaining("not a valid host name");
  }

  @Test
  void leapSeedsSetProperties() {
    Node n = NodeDefinitions.seed(Node.builder("web1").build(), "services:webapp,couchdb", "tags:seattle",
        "vm.options.InstanceType:t2.small", "vm.cpus:2");

    assertThat(n.services()).containsExactly("webapp", "couchdb");
    assertThat(n.tags()).containsExactly("seattle");
    assertThat(n.options()).containsEntry("InstanceType", "t2.small");
    assertThat(n.cpus()).hasValue(2);
    assertThat(n.isBound()).isFalse();
    for (String recorded : List.of("ip_address:198.51.100.1", "vm.id:i-0abc", "vm.private_ip_address:10.0.0.1")) {
      assertThatThrownBy(() -> NodeDefinitions.seed(n, recorded)).as(recorded)
          .hasMessageContaining("written by the client, not a seed").hasMessageContaining("vm bind NAME VM_ID");
    }
    assertThatThrownBy(() -> NodeDefinitions.seed(n, "servics:x")).hasMessageContaining("did you mean 'services'?");
    assertThatThrownBy(() -> NodeDefinitions.seed(n, "webapp")).hasMessageContaining("is not KEY:VALUE");
    assertThatThrownBy(() -> NodeDefinitions.seed(n, "vm.cpus:two")).hasMessageContaining("whole number");
  }

  @Test
  void badFilesAreReportedWithFileAndFieldAndNeverRewritten() throws IOException {
    Path malformed = writeRecord("web1", "{\n  \"vm\": {\"id\": \"i-1\",}\n}\n");
    Path unknown = writeRecord("web2", "{\"vm\": {\"imag\": \"debian-12\"}}");
    Path wrongType = writeRecord("web3", "{\"vm\": {\"cpus\": \"two\"}}");
    Path badName = writeRecord("web_4", "{}");
    Files.setLastModifiedTime(malformed, FileTime.fromMillis(1_000_000));
    byte[] before = Files.readAllBytes(malformed);

    assertThatThrownBy(() -> store().get("web1")).isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith(malformed.toString()).hasMessageContaining("line 2, column");
    assertThatThrownBy(() -> store().update("web1", n -> n.withRecord(NodeRecord.NONE))).hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> store().list()).hasMessageContaining("web1.json");
    assertThat(Files.readAllBytes(malformed)).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(malformed).toMillis()).isEqualTo(1_000_000);

    assertThatThrownBy(() -> store().get("web2")).hasMessageStartingWith(unknown.toString())
        .hasMessageContaining("field 'vm.imag': is not a known key; did you mean 'vm.image'?");
    assertThatThrownBy(() -> store().get("web3")).hasMessageStartingWith(wrongType.toString())
        .hasMessageContaining("field 'vm.cpus': must be a whole number, but is a string");
    assertThatThrownBy(() -> store().get("web_4")).hasMessageStartingWith(badName.toString())
        .hasMessageContaining("not a valid host name");
    assertThat(Files.exists(unknown) && Files.exists(wrongType) && Files.exists(badName)).isTrue();
  }

  @Test
  void updatesAreAtomicAndRemoveDeletes() throws IOException {
    store().put(Node.builder("web1").build());
    store().update("web1", n -> n.toBuilder().tag("a").build());
    assertThat(store().get("web1").orElseThrow().tags()).containsExactly("a");
    assertThat(store().names()).containsExactly("web1");
    assertThat(store().remove("web1")).isTrue();
    assertThat(store().remove("web1")).isFalse();
    assertThat(store().get("web1")).isEmpty();
    assertThatThrownBy(() -> store().update("web2", n -> Node.builder("other").build())).hasMessageContaining("cannot be saved as");
  }

  @Test
  void aRecordThatGivesAKeyTwiceIsRefusedWithItsLineAndNeverRewritten() throws IOException {
    String twice = "{\n  \"vm\": {\n    \"id\": \"i-0aaa\",\n    \"id\": \"i-0bbb\"\n  }\n}\n";
    Path file = writeRecord("web1", twice);

    assertThatThrownBy(() -> store().get("web1")).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("the key 'id' appears twice")
        .hasMessageContaining("line 4");
    assertThatThrownBy(() -> store().update("web1", n -> n)).isInstanceOf(ConfigurationException.class);
    assertThat(Files.readString(file)).isEqualTo(twice);
    writeRecord("deep", "[".repeat(100_000));
    assertThatThrownBy(() -> store().get("deep")).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("nested more than 64 levels").satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
  }

  @Test
  void whatAKilledWriteLeftBesideTheRecordsIsRemovedByTheNextWrite() throws IOException {
    store().put(Node.builder("web1").build());
    Path leftover = dir.resolve("nodes/.web2.json.tmp");
    Files.writeString(leftover, "{\"vm\": {\"id\": \"i-0");

    FileNodeStore next = store(); // a new process
    assertThat(next.names()).containsExactly("web1");
    next.put(Node.builder("web3").build());
    assertThat(leftover).doesNotExist();
    try (var files = Files.list(dir.resolve("nodes"))) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
    }
  }

  @Test
  void nodesThatIsAFileIsAnErrorNotAnEmptyStore() throws IOException {
    Files.writeString(dir.resolve("nodes"), "not a folder");
    assertThatThrownBy(() -> store().list()).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(dir.resolve("nodes").toString()).hasMessageContaining("is not a folder");
  }

  @Test
  void aRecordFarLargerThanARecordIsRefusedUnread() throws IOException {
    Path file = writeRecord("web1", "{\"tags\": [\"" + "x".repeat(2 << 20) + "\"]}");
    assertThatThrownBy(() -> store().get("web1")).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("holds at most 1024 KB");
  }

  @Test
  void aLinkWhereTheStoreWritesIsReplacedNeverWrittenThrough() throws IOException {
    Path outside = Files.writeString(dir.resolve("precious.txt"), "keep me");
    Files.createDirectories(dir.resolve("nodes/.locks"));
    Files.createSymbolicLink(dir.resolve("nodes/.web1.json.tmp"), outside);
    Files.createSymbolicLink(dir.resolve("nodes/web0.json"), outside);

    store().put(Node.builder("web1").tag("new").build());
    assertThatThrownBy(() -> store().put(Node.builder("web0").build())).as("what the link points at is no record")
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("web0.json").hasMessageContaining("not JSON");

    assertThat(Files.readString(outside)).isEqualTo("keep me");
    assertThat(store().get("web1").orElseThrow().tags()).containsExactly("new");
    Files.createSymbolicLink(dir.resolve("nodes/.locks/web2.lock"), outside);
    assertThatThrownBy(() -> store().lock(List.of("web2"), java.time.Duration.ZERO)).isInstanceOf(
        dev.flotilla.vm.VmException.class).hasMessageContaining("web2");
    assertThat(Files.readString(outside)).isEqualTo("keep me");
  }
}
