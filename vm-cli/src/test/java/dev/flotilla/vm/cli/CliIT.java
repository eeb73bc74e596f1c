package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The built command, vm-cli/target/vm.jar, run as a real process over the embedded fake cloud. */
@Timeout(120)
class CliIT {
  private static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example";

  @TempDir
  Path dir;

  private record Result(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  private ProcessBuilder command(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        System.getProperty("vm.jar"), "--dir", dir.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    return pb;
  }

  private Result vm(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Process p = command(env, args).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out, err);
  }

  private Result vm(String... args) throws IOException, InterruptedException {
    return vm(Map.of(), args);
  }

  private Result ok(String... args) throws IOException, InterruptedException {
    Result r = vm(args);
    assertThat(r.exit()).as("vm %s\n%s%s", String.join(" ", args), r.out(), r.err()).isZero();
    return r;
  }

  private String idOf(String node) throws IOException {
    return JsonParser.parseString(Files.readString(dir.resolve("nodes/" + node + ".json"))).getAsJsonObject()
        .getAsJsonObject("vm").get("id").getAsString();
  }

  @Test
  void addSaysItUsesTheEmbeddedFakeCloudThenRecordsAndStartsTheNode() throws Exception {
    Result r = ok("add", "web1", "services:webapp,couchdb", "tags:seattle", "vm.options.InstanceType:t2.small");

    assertThat(r.lines().get(0)).startsWith("Using the embedded fake cloud in " + dir.resolve(".flotilla/fake-cloud.json"));
    assertThat(r.out()).contains("added node web1").contains("started web1 (vm-000001, running, ");
    JsonObject record = JsonParser.parseString(Files.readString(dir.resolve("nodes/web1.json"))).getAsJsonObject();
    assertThat(record.getAsJsonArray("services").toString()).isEqualTo("[\"webapp\",\"couchdb\"]");
    assertThat(record.getAsJsonObject("vm").getAsJsonObject("options").get("InstanceType").getAsString()).isEqualTo("t2.small");
    assertThat(record.getAsJsonObject("vm").get("id").getAsString()).isEqualTo("vm-000001");
    assertThat(record.get("ip_address").getAsString()).isNotBlank();

    Result again = ok("add", "web1");
    assertThat(again.out()).as("the VM is found, not made again").doesNotContain("vm-000002");
    assertThat(again.out()).as("said once, when the fake cloud is made").doesNotContain("embedded fake cloud");
  }

  @Test
  void aCopiedRecordIsNeverAlreadyRunningOrStoppedButRefusedNamingBothNodes() throws Exception {
    ok("add", "web1");
    Files.copy(dir.resolve("nodes/web1.json"), dir.resolve("nodes/web3.json"));

    Result start = vm("start", "web3");
    assertThat(start.exit()).isEqualTo(1);
    assertThat(start.out()).doesNotContain("already running");
    assertThat(start.err()).contains("web3").contains("web1").contains("nothing was done");
    Result stop = vm("stop", "web3");
    assertThat(stop.exit()).isEqualTo(1);
    assertThat(stop.err()).contains("belongs to node web1");
    assertThat(ok("status").out()).contains("running");
  }

  @Test
  void anAddTheCloudRefusesLeavesNoRecordAndNoChangedOne() throws Exception {
    Result refused = vm("add", "e1", "vm.type:Huge");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.out()).doesNotContain("added node");
    assertThat(refused.err()).contains("Huge");
    assertThat(dir.resolve("nodes/e1.json")).as("nothing of it reached the cloud").doesNotExist();

    ok("add", "e2", "vm.type:m1.small", "--stopped");
    String saved = Files.readString(dir.resolve("nodes/e2.json"));
    ok("rm", "e2");
    String removed = Files.readString(dir.resolve("nodes/e2.json"));
    assertThat(vm("add", "e2", "vm.type:Huge").exit()).isEqualTo(1);
    assertThat(Files.readString(dir.resolve("nodes/e2.json"))).as("the seed the cloud refused is not kept")
        .isEqualTo(removed).contains("m1.small").isNotEqualTo(saved);
  }

  @Test
  void startStopRebootAndRmSkipWhatIsAlreadyDoneAndFilterByNamePatternTagOrId() throws Exception {
    ok("add", "web1", "tags:seattle");
    ok("add", "web2", "tags:seattle");
    ok("add", "db1", "tags:paris");

    assertThat(ok("start").out()).contains("skipping web1 (vm-000001): already running")
        .contains("skipping db1 (vm-000003): already running");
    assertThat(ok("stop", "web*").out()).contains("stopped web1").contains("stopped web2").doesNotContain("db1");
    assertThat(ok("stop", "seattle").out()).contains("skipping web1 (vm-000001): already stopped");
    assertThat(ok("reboot", "web1").out()).contains("skipping web1 (vm-000001): stopped, not running");
    assertThat(ok("start", "vm-000002").out()).contains("started web2").doesNotContain("web1");
    assertThat(ok("reboot", "db1").out()).contains("rebooted db1");
    assertThat(ok("stop", "--hard", "paris").out()).contains("stopped db1");
    assertThat(ok("rm", "web1").out()).contains("removed web1 (vm-000001)");
    assertThat(ok("rm", "web1").out()).contains("skipping web1: already removed");
    assertThat(ok("stop", "web1").out()).contains("skipping web1: no VM");

    Result nothing = vm("start", "nobody");
    assertThat(nothing.exit()).isEqualTo(1);
    assertThat(nothing.err().trim()).isEqualTo("error: field 'FILTER': no node, name pattern, tag, service or VM id"
        + " matches 'nobody'; 'vm status' lists the nodes");
  }

  @Test
  void consoleFloatingIpsHardRebootAndSavedImages() throws Exception {
    ok("add", "web1");

    assertThat(ok("console", "web1").out()).contains("web1 login:");
    String ip = ok("ip-add", "web1", "-q").out().trim();
    assertThat(ip).startsWith("203.0.113.");
    assertThat(ok("ips").out()).contains(ip + "  public  vm-000001");
    assertThat(JsonParser.parseString(Files.readString(dir.resolve("nodes/web1.json"))).getAsJsonObject()
        .get("ip_address").getAsString()).isEqualTo(ip);
    assertThat(ok("reboot", "--hard", "web1").out()).contains("hard-rebooted web1 (vm-000001)");
    assertThat(ok("ip-rm", "web1", ip).out()).contains("released " + ip + " from web1");
    assertThat(ok("ips").out()).doesNotContain(ip);

    String image = ok("image-save", "web1", "golden", "-q").out().trim();
    assertThat(ok("images").out()).contains(image).contains("golden");

    // an image Flotilla did not save is not deleted without --force; one it saved is
    Result refused = vm("image-rm", "debian-12");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("image debian-12").contains("not saved by Flotilla").contains("--force");
    assertThat(refused.err().lines()).hasSize(1);
    assertThat(ok("images").out()).contains("debian-12");
    assertThat(ok("image-rm", image).out()).contains("deleted image " + image);
    assertThat(ok("images").out()).doesNotContain(image);
  }

  @Test
  void waitShowsProgressLines() throws Exception {
    ok("add", "web1");
    ok("add", "web2");
    ok("stop", "--wait");
    Result r = vm(Map.of("FLOTILLA_FAKE_BOOT_SECONDS", "2"), "start", "--wait");

    assertThat(r.exit()).isZero();
    // progress, with the time waited, as Poni's --wait shows it
    assertThat(r.lines()).contains("[0/2] running, waiting...");
    assertThat(r.lines()).anySatisfy(l -> assertThat(l).matches("\\[2/2] running, done in [0-9]+ s"));
  }

  @Test
  void statusShowsATableThenDriftWithItsFixAndReconcileRepairsIt() throws Exception {
    ok("add", "web1");
    ok("add", "web2");
    Files.writeString(dir.resolve("nodes/web2.json"), "{}");

    Result status = ok("status");
    assertThat(status.lines().get(0)).matches("ID +NODE +STATE +TYPE +IP +ZONE");
    assertThat(status.out()).contains("vm-000001  web1  running  m1.small")
        .contains("warning: node web2 has no VM id, but VM vm-000002 carries its name.")
        .contains("  fix: vm bind web2 vm-000002");
    assertThat(ok("ls").out()).isEqualTo(status.out());

    assertThat(ok("reconcile").out()).contains("fixed: adopted VM vm-000002 for node web2");
    assertThat(ok("status").out()).doesNotContain("warning");

    JsonObject json = JsonParser.parseString(ok("status", "--json").out()).getAsJsonObject();
    assertThat(json.getAsJsonArray("vms")).hasSize(2);
    assertThat(json.getAsJsonArray("drift")).isEmpty();
  }

  @Test
  void statusTakesNamesAndIdsCountsItsRowsAndIsTerseWithQ() throws Exception {
    ok("add", "web1");
    ok("add", "web2");
    ok("add", "db1");
    ok("stop", "db1");

    Result all = ok("status");
    assertThat(all.lines()).contains("3 VMs: 2 running, 1 stopped");
    // as leap vm status NAME and stratus-describe-instance ID take them
    Result one = ok("status", "web2");
    assertThat(one.out()).contains("vm-000002  web2").doesNotContain("web1").doesNotContain("db1");
    assertThat(one.lines()).contains("1 VM: 1 running");
    assertThat(ok("status", "vm-000003", "web*").out()).contains("web1").contains("web2").contains("db1");
    assertThat(ok("-q", "status").lines()).containsExactly("vm-000001, 100.64.0.1", "vm-000002, 100.64.0.2",
        "vm-000003, 100.64.0.3");
    Result none = vm("status", "nosuch");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.err()).contains("no node, name pattern, tag, service or VM id matches 'nosuch'");
  }

  @Test
  void aFloatingAddressForANodeWithoutAVmIsRefusedBeforeAnythingIsAllocated() throws Exception {
    Files.createDirectories(dir.resolve("nodes"));
    Files.writeString(dir.resolve("nodes/a1.json"), "{}");
    Result refused = vm("ip-add", "a1");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err().trim()).isEqualTo("error: Cannot give a floating address to node a1: it has no VM;"
        + " nothing was allocated. Start it first: vm start a1");
    assertThat(ok("ips").out()).doesNotContain("203.0.113.");

    ok("start", "a1");
    Result added = ok("ip-add", "a1");
    assertThat(added.lines()).hasSize(1);
    assertThat(added.out()).matches("(?s)a1 \\(vm-000001\\) answers at 203\\.0\\.113\\.\\d+\\s*");
  }

  @Test
  void bindAdoptsAVmOnlyWhenItIsNoOtherNodesAndUnbindForgetsIt() throws Exception {
    ok("add", "web1");

    Result refused = vm("bind", "web9", "vm-000001");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("web1").contains("web9").contains("VM vm-000001");
    assertThat(dir.resolve("nodes/web9.json")).as("a refused bind leaves no record behind").doesNotExist();

    assertThat(ok("--force", "bind", "web9", "vm-000001").out()).contains("bound node web9 to VM vm-000001");
    assertThat(idOf("web9")).isEqualTo("vm-000001");
    assertThat(Files.readString(dir.resolve("nodes/web1.json"))).as("the VM left web1").doesNotContain("vm-000001");
    Result missing = vm("bind", "web9", "vm-999999");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("no VM 'vm-999999'");

    assertThat(ok("unbind", "web9").out()).contains("node web9 is bound to no VM (it was vm-000001");
    assertThat(Files.readString(dir.resolve("nodes/web9.json"))).doesNotContain("vm-000001");
    // its tag still gives it to web9, whose record is bound to nothing: by id only with --force
    Result claimed = vm("rm", "vm-000001");
    assertThat(claimed.exit()).isEqualTo(1);
    assertThat(claimed.err()).contains("may be node web9's").contains("nothing was done");
    assertThat(ok("--force", "rm", "vm-000001").out()).contains("removed VM vm-000001");
    assertThat(ok("status").out()).containsPattern("vm-000001 .*terminated");
  }


  @Test
  void runStartsUnnamedMachinesAndQuietPrintsIdAndAddress() throws Exception {
    Result r = ok("run", "debian-12", "-n", "2", "-t", "m1.large", "--cpu", "4", "--ram", "4096", "--swap", "0", "-q");

    assertThat(r.lines()).hasSize(2).allSatisfy(l -> assertThat(l).matches("vm-00000\\d, 100\\.64\\.0\\.\\d+"));
    JsonObject run1 = JsonParser.parseString(Files.readString(dir.resolve("nodes/run1.json"))).getAsJsonObject();
    assertThat(run1.getAsJsonObject("vm").get("cpus").getAsInt()).isEqualTo(4);
    assertThat(ok("run", "debian-12").out()).contains("started run3");
    assertThat(vm("run", "windows-11").err()).contains("no image 'windows-11'").contains("debian-12");
  }

  @Test
  void typesMarkTheDefaultAndImagesAreListed() throws Exception {
    Result types = ok("types");
    assertThat(types.lines()).anySatisfy(l -> assertThat(l).matches("\\*  m1\\.small +1 +128 +1024"));
    assertThat(types.lines()).anySatisfy(l -> assertThat(l).matches(" {3}c1\\.xlarge +4 +2048 +2048"));
    assertThat(ok("images").out()).contains("debian-12").contains("Debian 12 (bookworm)");
    // one shape with --json: an object with snake_case keys, for answers and errors alike
    JsonObject json = JsonParser.parseString(ok("types", "--json").out()).getAsJsonObject();
    assertThat(json.getAsJsonArray("types")).hasSize(6);
    assertThat(json.getAsJsonArray("types").get(0).getAsJsonObject().keySet()).contains("name", "cpus", "memory_mb");
    assertThat(JsonParser.parseString(ok("images", "--json").out()).getAsJsonObject().getAsJsonArray("images"))
        .hasSize(4);
    Result failed = vm("--json", "status", "nosuch");
    assertThat(failed.exit()).isEqualTo(1);
    JsonObject error = JsonParser.parseString(failed.out()).getAsJsonObject().getAsJsonObject("error");
    assertThat(error.get("message").getAsString()).contains("nosuch");
    assertThat(error.get("exit_status").getAsInt()).isEqualTo(1);
  }

  @Test
  void keysAreRegisteredAndMatchedToLocalKeyFiles() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    Files.writeString(keys.resolve("ops.pub"), ED25519 + "\n");

    assertThat(ok("key-register", keys.resolve("ops.pub").toString(), "--name", "ops").out())
        .contains("registered key ops (");
    Result list = ok("key-list");
    assertThat(list.out()).contains("ops").contains("fingerprint: ").contains("matches local key: " + keys.resolve("ops.pub"));
    Path elsewhere = Files.createTempDirectory("elsewhere").resolve("deploy.pub");
    Files.writeString(elsewhere, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ6v0Yp3t7wQmZ2k1m4X0d2cQfS8n0f2rW7cQe3lYk9a deploy\n");
    ok("key-register", elsewhere.toString(), "--name", "deploy");
    assertThat(ok("key-list").out()).as("a key registered from anywhere is matched where it lies")
        .contains("matches local key: " + elsewhere);
    Files.writeString(keys.resolve("bad.pub"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    assertThat(vm("key-register", keys.resolve("bad.pub").toString()).err()).contains("is not an OpenSSH public key");
  }

  @Test
  void snapshotsAreTakenDrawnRevertedAndRemoved() throws Exception {
    ok("add", "db1");
    ok("snapshot", "db1", "s1", "--memory");
    ok("snapshot", "db1", "s2");
    assertThat(ok("revert", "db1", "s1").out()).contains("reverted db1 to s1; it is running");
    ok("snapshot", "db1", "s3", "--quiesce");

    assertThat(ok("snapshots", "db1").lines()).containsExactly(
        "snap-1 s1 (memory)",
        "├── snap-2 s2",
        "└── snap-3 s3 *");
    ok("snapshot-rm", "db1", "s1");
    assertThat(ok("snapshots", "db1").lines()).containsExactly("snap-2 s2", "snap-3 s3 *");
    assertThat(vm("revert", "db1", "nope").err()).contains("no snapshot 'nope'");
  }

  @Test
  void badUsageExitsWithTwoAndSaysHowToGetHelp() throws Exception {
    for (String[] args : List.of(new String[] {"explode"}, new String[] {"bind", "web1"}, new String[] {"status", "--colour"},
        new String[] {"run", "debian-12", "-n", "zero"})) {
      Result r = vm(args);
      assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).startsWith("error: ").contains("--help");
    }
    assertThat(ok("--help").out()).contains("Usage: vm").contains("snapshot-rm").contains("--auth");
  }

  @Test
  void badFilesGiveOneOrTwoLinesAndAStackTraceOnlyAtVvv() throws Exception {
    Files.createDirectories(dir.resolve("nodes"));
    Files.writeString(dir.resolve("nodes/web1.json"), "{\n  \"vm\": {\"imag\": \"debian-12\"}\n}\n");

    Result r = vm("status");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().trim()).isEqualTo("error: " + dir.resolve("nodes/web1.json")
        + ": field 'vm.imag': is not a known key; did you mean 'vm.image'? Known keys: " + String.join(", ",
            List.of("ip_address", "services", "tags", "group", "inherit", "vm.id", "vm.private_ip_address", "vm.auth",
                "vm.image", "vm.type", "vm.cpus", "vm.memory_mb", "vm.swap_mb", "vm.region", "vm.zone", "vm.key_pair",
                "vm.login_user", "vm.display_name", "vm.user_data", "vm.security_groups", "vm.anti_affinity_group",
                "vm.options", "vm.intent", "vm.ha", "vm.stopped", "vm.ha_restarts", "vm.removed", "vm.lease",
                "vm.on_expiry", "vm.leased", "vm.placed")) + ".");
    assertThat(vm("-vvv", "status").err()).contains("at dev.flotilla.vm.");

    Files.delete(dir.resolve("nodes/web1.json"));
    Files.writeString(dir.resolve("cloud.json"), "{\n  \"lab\": {\"api\": \"fake\",}\n}\n");
    Result cloud = vm("status");
    assertThat(cloud.exit()).isEqualTo(1);
    assertThat(cloud.err()).startsWith("error: " + dir.resolve("cloud.json") + ": malformed JSON: line 2, column")
        .doesNotContain("at dev.flotilla");
  }

  @Test
  void filesThatAreDevicesFifosOrCorruptAreRefusedAtOnceNamingTheFile() throws Exception {
    ok("add", "web1");
    Path record = dir.resolve("nodes/web1.json");
    String saved = Files.readString(record);
    Files.delete(record);
    Files.createSymbolicLink(record, Path.of("/dev/zero"));
    Result zero = vm("status");
    assertThat(zero.exit()).isEqualTo(1);
    assertThat(zero.err().trim()).contains("web1.json").contains("not a regular file").hasLineCount(1)
        .doesNotContain("OutOfMemoryError");

    Files.delete(record);
    assertThat(new ProcessBuilder("mkfifo", record.toString()).start().waitFor()).isZero();
    Result fifo = vm("status");
    assertThat(fifo.exit()).as("a FIFO is refused, not waited on").isEqualTo(1);
    assertThat(fifo.err()).contains("web1.json").contains("not a regular file");
    Files.delete(record);
    Files.writeString(record, saved);

    Path cloudJson = dir.resolve("cloud.json");
    assertThat(new ProcessBuilder("mkfifo", cloudJson.toString()).start().waitFor()).isZero();
    Result fifoConfig = vm("status");
    assertThat(fifoConfig.exit()).isEqualTo(1);
    assertThat(fifoConfig.err()).contains("cloud.json").contains("not a regular file");
    Files.delete(cloudJson);

    Path state = dir.resolve(Workspace.FAKE_CLOUD);
    Files.writeString(state, "{\"savedImages\": [{\"name\": 7}]}");
    Result corrupt = vm("status");
    assertThat(corrupt.exit()).isEqualTo(1);
    assertThat(corrupt.err().trim()).contains("fake-cloud.json").contains("does not hold a fake cloud's state")
        .doesNotContain("at dev.flotilla").hasLineCount(1);
  }

  @Test
  void stopAndRmOfAVmAlreadyDownStillRecordTheUsersWordSoHaLeavesItAlone() throws Exception {
    ok("add", "web1", "vm.ha:true");
    ok("add", "web2", "vm.ha:true");
    dev.flotilla.vm.testkit.FileBackedFakeCloud cloud = dev.flotilla.vm.testkit.FileBackedFakeCloud.open(
        dir.resolve(Workspace.FAKE_CLOUD));
    cloud.stop(List.of("vm-000001"), true); // behind Flotilla's back
    cloud.terminate(List.of("vm-000002"));
    assertThat(ok("stop", "web1").out()).contains("skipping web1 (vm-000001): already stopped");
    ok("rm", "web2");
    Result watched = ok("watch", "--once");
    assertThat(watched.out()).doesNotContain("restarting").doesNotContain("restarted");
    assertThat(cloud.peek(c -> c.list()).stream().filter(vm -> vm.state() == dev.flotilla.vm.Lifecycle.State.RUNNING).count())
        .as("nothing was restarted or made").isZero();
    JsonObject web2 = JsonParser.parseString(Files.readString(dir.resolve("nodes/web2.json"))).getAsJsonObject();
    assertThat(web2.getAsJsonObject("vm").has("removed")).isTrue();
    assertThat(ok("status").err()).doesNotContain("vm start web2");
  }

  @Test
  void aCloudJsonProfileIsUsedAndAuthChoosesAmongSeveral() throws Exception {
    Files.writeString(dir.resolve("cloud.json"), """
        {"east": {"api": "fake", "auth": {"state_file": "%s"}},
         "west": {"api": "fake", "auth": {"state_file": "%s"}}}
        """.formatted(dir.resolve("east.json"), dir.resolve("west.json")));

    Result none = vm("add", "web1");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.err()).contains("there are several: [east, west]").contains("--auth");
    Result added = ok("--auth", "west", "add", "web1");
    assertThat(added.out()).doesNotContain("embedded fake cloud").contains("started web1");
    assertThat(Files.exists(dir.resolve("west.json"))).isTrue();
    assertThat(Files.exists(dir.resolve("east.json"))).isFalse();
    assertThat(vm("--auth", "north", "status").err()).contains("--auth names profile 'north'").contains("[east, west]");
    assertThat(ok("--mock", "status").lines().get(0)).contains("embedded fake cloud").contains("(--mock)");
  }

  @Test
  void ctrlCDuringWaitStopsWaitingAndKeepsTheRecord() throws Exception {
    // as a shell started from a terminal would: SIGINT at its default action, even when this test runs with it
    // ignored (a background launch ignores it, and the JVM then installs no handler of its own)
    ProcessBuilder pb = command(Map.of("FLOTILLA_FAKE_BOOT_SECONDS", "3600"), "add", "web1", "--wait");
    List<String> withDefaultInt = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die"));
    withDefaultInt.addAll(pb.command());
    Process p = pb.command(withDefaultInt).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.equals("[0/1] running, waiting..."));
      assertThat(line).isNotNull();
      new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(130);
    assertThat(err).contains("Stopped waiting. Every record written so far is kept; 'vm status' shows where things are.");
    assertThat(idOf("web1")).isEqualTo("vm-000001");
  }

  @Test
  void onATerminalStatesAreColouredAndProgressIsOneUpdatingLine() throws Exception {
    // script(1) gives the command a terminal, as a person's shell would.
    String command = String.join(" ", command(Map.of(), "add", "web1", "--wait").command());
    ProcessBuilder pb = new ProcessBuilder("script", "-qec", command, "/dev/null");
    pb.environment().put("FLOTILLA_FAKE_BOOT_SECONDS", "1");
    pb.environment().remove("NO_COLOR");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(out).contains("\r\u001b[2K[0/1] running, waiting...\r\u001b[2K[1/1] running, done")
        .contains("\u001b[32mrunning\u001b[0m");
  }

  @Test
  void theLauncherRunsThroughALinkOnThePath() throws Exception {
    Path clone = Path.of(System.getProperty("vm.jar")).toAbsolutePath().getParent().getParent().getParent();
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("vm"), clone.resolve("vm"));
    Path printed = dir.resolve("launcher.out"); // to a file, so that a launcher that hangs cannot hang the read
    Process p = new ProcessBuilder(bin.resolve("vm").toString(), "--version").directory(bin.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectErrorStream(true)
        .redirectOutput(printed.toFile()).start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
    }
    String out = Files.readString(printed);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("vm (Flotilla)");
  }

  @Test
  void logLinesEscapeControlCharactersAtEveryVerbosity() throws Exception {
    // a profile name is the user's text, and logs quote it as they quote a server's answers
    Files.writeString(dir.resolve("cloud.json"), "{\"ev\\u001b]0;owned\\u0007il\": {\"api\": \"fake\"}}");
    for (String verbosity : List.of("-vv", "-vvv")) {
      Result r = vm(verbosity, "status");
      assertThat(r.err()).contains("profile 'ev\\x1b]0;owned\\x07il'").doesNotContain("\u001b", "\u0007");
    }
  }

  @Test
  void verbosityShowsLogs() throws Exception {
    ok("add", "web1");
    assertThat(ok("-v", "stop", "web1").err()).contains("DEBUG dev.flotilla.vm.VmClient - STOP 1 VM(s) on fake");
    assertThat(ok("-vv", "start", "web1").err()).contains("DEBUG dev.flotilla.vm.VmClient - START 1 VM(s) on fake");
    assertThat(ok("stop", "web1").err()).isEmpty();
  }

  @Test
  void addStoppedThenResizeAStoppedVmAndRefuseARunningOne() throws Exception {
    Result made = ok("add", "web1", "--stopped");
    assertThat(made.out()).contains("made web1 (vm-000001, stopped");
    assertThat(ok("resize", "web1", "m1.large").out()).contains("resized web1 (vm-000001, stopped) to m1.large");
    assertThat(JsonParser.parseString(Files.readString(dir.resolve("nodes/web1.json"))).getAsJsonObject()
        .getAsJsonObject("vm").get("type").getAsString()).isEqualTo("m1.large");
    assertThat(ok("start", "web1").out()).contains("started web1 (vm-000001, running");
    Result refused = vm("resize", "web1", "m1.small");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err().trim()).isEqualTo("error: Cannot resize VM vm-000001 of node web1: it is running (from"
        + " running it can stop, force-stop, reboot, destroy, snapshot, revert). Stop it first: vm stop web1");

    // a command that needs a VM names itself and what to run, never another action or a Java name
    ok("rm", "web1");
    Result console = vm("console", "web1");
    assertThat(console.exit()).isEqualTo(1);
    assertThat(console.err().trim()).isEqualTo("error: Cannot read the console of node web1: it has no VM (it was"
        + " removed, or never made). Start it first: vm start web1");
  }

  @Test
  void sshRunsSshToTheNodesAddressAsItsLoginUser() throws Exception {
    ok("add", "web1");
    JsonObject record = JsonParser.parseString(Files.readString(dir.resolve("nodes/web1.json"))).getAsJsonObject();
    record.getAsJsonObject("vm").addProperty("login_user", "debian");
    Files.writeString(dir.resolve("nodes/web1.json"), record.toString());
    String ip = record.get("ip_address").getAsString();

    assertThat(ok("ssh", "web1", "--print", "--", "uptime", "-p").out().lines().toList())
        .endsWith("ssh -o ConnectTimeout=15 -l debian -- " + ip + " uptime -p");

    // a real process: an ssh on the PATH that says what it was given
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path fake = bin.resolve("ssh");
    Files.writeString(fake, "#!/bin/sh\necho \"ssh got: $*\"\nexit 7\n");
    fake.toFile().setExecutable(true);
    Result ran = vm(Map.of("PATH", bin + ":" + System.getenv("PATH")), "ssh", "web1", "--", "hostname");
    assertThat(ran.exit()).as("ssh's own exit status").isEqualTo(7);
    assertThat(ran.out()).contains("ssh got: -o ConnectTimeout=15 -l debian -- " + ip + " hostname");
    assertThat(ran.err()).contains("embedded fake cloud, whose VMs have no network");

    // without a login user in the record, the image's distribution says it
    ok("add", "u1", "vm.image:ubuntu-24.04");
    assertThat(ok("ssh", "u1", "--print").out()).contains("ssh -o ConnectTimeout=15 -l ubuntu -- 100.64.0.");
  }

  @Test
  void sshNeverTakesARecordsAddressOrUserAsAnOption() throws Exception {
    ok("add", "a1");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path fake = bin.resolve("ssh");
    Files.writeString(fake, "#!/bin/sh\necho \"ssh got: $*\"\n");
    fake.toFile().setExecutable(true);
    Path record = dir.resolve("nodes/a1.json");
    JsonObject json = JsonParser.parseString(Files.readString(record)).getAsJsonObject();
    String saved = json.toString();

    json.addProperty("ip_address", "-oProxyCommand=touch PWNED");
    Files.writeString(record, json.toString());
    Result refused = vm(Map.of("PATH", bin + ":" + System.getenv("PATH")), "ssh", "a1", "--", "uptime");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.out()).doesNotContain("ssh got");
    assertThat(refused.err()).contains("a1.json").contains("ip_address").contains("-oProxyCommand=touch PWNED")
        .contains("neither an IP address nor a host name").hasLineCount(1);

    json = JsonParser.parseString(saved).getAsJsonObject();
    json.getAsJsonObject("vm").addProperty("login_user", "-oProxyCommand=touch PWNED");
    Files.writeString(record, json.toString());
    refused = vm(Map.of("PATH", bin + ":" + System.getenv("PATH")), "ssh", "a1", "--", "uptime");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("vm.login_user").contains("not a user name");
    assertThat(dir.resolve("PWNED")).doesNotExist();
  }

  @Test
  void watchRestartsAnHaNodeStoppedOutsideFlotillaAndLeavesOneStoppedByVmStop() throws Exception {
    ok("add", "web1", "vm.ha:true");
    ok("add", "web2", "vm.ha:true");
    ok("stop", "web2", "--wait");
    dev.flotilla.vm.testkit.FileBackedFakeCloud cloud = dev.flotilla.vm.testkit.FileBackedFakeCloud.open(
        dir.resolve(Workspace.FAKE_CLOUD));
    cloud.stop(List.of("vm-000001"), true); // behind Flotilla's back

    Result watched = ok("watch", "--once");

    assertThat(watched.out()).contains("watching 2 HA node(s): web1, web2")
        .contains("web1 (vm-000001): restarting, found stopped").contains("web1 (vm-000001): restarted, running")
        .doesNotContain("web2 (");
    assertThat(ok("status").out()).containsPattern("vm-000001 +web1 +running").containsPattern("vm-000002 +web2 +stopped");
  }
}
