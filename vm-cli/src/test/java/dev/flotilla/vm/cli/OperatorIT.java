package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
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
import picocli.CommandLine;

/**
 * The vm command as an operator of leap, stratus-* and poni expects it: help on every command, suggestions,
 * no silent fallback to the fake cloud, no half-made records, fixes that run as printed, quiet that keeps
 * warnings, and messages that name commands, not Java calls.
 */
@Timeout(300)
class OperatorIT {
  @TempDir
  Path dir;

  private record Result(int exit, String out, String err) {}

  private Result vm(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("vm.jar")));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err,
        StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  /** {@code vm --dir DIR args} */
  private Result in(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--dir", dir.toString()));
    all.addAll(List.of(args));
    return vm(Map.of(), all.toArray(String[]::new));
  }

  private Result ok(String... args) throws Exception {
    Result r = in(args);
    assertThat(r.exit()).as("vm %s\n%s%s", String.join(" ", args), r.out(), r.err()).isZero();
    return r;
  }

  @Test
  void everyCommandAndSubcommandAnswersHelp() throws Exception {
    List<String> commands = new CommandLine(new Cli()).getSubcommands().entrySet().stream()
        .filter(e -> e.getKey().equals(e.getValue().getCommandName())).map(Map.Entry::getKey).toList(); // no aliases
    assertThat(commands).contains("add", "stop", "snapshot", "rm", "unbind", "image-rm", "help");
    for (String c : commands) {
      Result r = vm(Map.of(), c, "--help");
      assertThat(r.exit()).as("vm %s --help: %s", c, r.err()).isZero();
      assertThat(r.out()).as(c).contains("Usage: vm " + c);
    }
    Result usage = in("snapshot");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err()).contains("Run 'vm snapshot --help'");
    assertThat(vm(Map.of(), "snapshot", "--help").exit()).as("the help it points at works").isZero();
  }

  @Test
  void misspelledCommandsAndOptionsGetSuggestions() throws Exception {
    Result r = in("statu");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("Did you mean: vm status");
    assertThat(in("status", "--quiett").err()).contains("Did you mean: --quiet?");
    assertThat(in("strat").err()).contains("Did you mean: vm start?"); // a swap of two letters is one edit
    assertThat(in("start", "--wiat").err()).contains("Did you mean: --wait?");
  }

  @Test
  void askingForAProfileThatCannotBeFoundIsAnErrorNeverTheFakeCloud() throws Exception {
    Result r = in("--auth", "prod", "status");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("--auth").contains("'prod'").contains("no cloud.json").doesNotContain("fake cloud in");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aDirectoryThatDoesNotExistIsAnErrorAndIsNotMade() throws Exception {
    Path nowhere = dir.resolve("no/such/dir");
    for (String command : List.of("status", "add")) {
      Result r = vm(Map.of(), "--dir", nowhere.toString(), command, "web1");
      assertThat(r.exit()).as(command).isEqualTo(1);
    }
    Result status = vm(Map.of(), "--dir", nowhere.toString(), "status");
    assertThat(status.exit()).isEqualTo(1);
    assertThat(status.err()).contains(nowhere.toString()).contains("no such directory");
    assertThat(nowhere).doesNotExist();
  }

  @Test
  void quietKeepsWarningsAndErrors() throws Exception {
    ok("add", "web1");
    Files.writeString(dir.resolve("nodes/web1.json"), "{}");
    assertThat(ok("-q", "status").out()).contains("warning: node web1 has no VM id").contains("fix: vm bind web1");
    assertThat(ok("status", "-q").out()).contains("warning:");
  }

  @Test
  void aFailedCommandLeavesNoHalfMadeRecord() throws Exception {
    Result badType = in("add", "web1", "vm.type:m9.huge");
    assertThat(badType.exit()).isEqualTo(1);
    assertThat(badType.err()).contains("m9.huge");
    assertThat(badType.out()).as("nothing is said added that is not kept").doesNotContain("added node");
    assertThat(dir.resolve("nodes/web1.json")).doesNotExist();

    assertThat(in("run", "nosuch-image", "-n", "2").exit()).isEqualTo(1);
    assertThat(dir.resolve("nodes/run1.json")).doesNotExist();
    assertThat(dir.resolve("nodes/run2.json")).doesNotExist();

    Files.writeString(dir.resolve("cloud.json"), "{\"lab\": {\"api\": \"fake\",}}");
    assertThat(in("add", "web2").exit()).isEqualTo(1);
    assertThat(dir.resolve("nodes/web2.json")).doesNotExist();
    Files.delete(dir.resolve("cloud.json"));
    assertThat(ok("status").out()).doesNotContain("warning");
  }

  @Test
  void ipRmTakesTheAddressOutOfTheRecord() throws Exception {
    ok("add", "web1");
    String ip = ok("-q", "ip-add", "web1").out().strip();
    assertThat(Files.readString(dir.resolve("nodes/web1.json"))).contains(ip);
    ok("ip-rm", "web1", ip);
    assertThat(Files.readString(dir.resolve("nodes/web1.json"))).doesNotContain(ip);
    assertThat(ok("status").out()).doesNotContain("warning");
  }

  @Test
  void aStopWithWaitWaitsOutAVmStillBootingThenStopsIt() throws Exception {
    Map<String, String> slowBoot = Map.of("FLOTILLA_FAKE_BOOT_SECONDS", "2");
    assertThat(vm(slowBoot, "--dir", dir.toString(), "add", "web1").out()).contains("starting web1");
    assertThat(vm(slowBoot, "--dir", dir.toString(), "add", "web2").exit()).isZero();
    Result stop = vm(slowBoot, "--dir", dir.toString(), "stop", "web1", "web2", "--wait");
    assertThat(stop.exit()).as(stop.err()).isZero();
    assertThat(stop.out()).contains("stopped web1").contains("stopped web2");
  }

  @Test
  void removedOnPurposeIsNotReportedAsLost() throws Exception {
    ok("add", "web1");
    ok("add", "web2");
    ok("rm", "web1", "--wait");
    Files.writeString(dir.resolve("nodes/web2.json"), "{}"); // lost: the record forgot its VM
    String status = ok("status").out();
    assertThat(status).doesNotContain("node web1").contains("node web2 has no VM id");
  }

  @Test
  void errorsNameCommandsNotJavaCalls() throws Exception {
    Files.writeString(dir.resolve("cloud.json"), "{\"a\": {\"api\": \"fake\"}, \"b\": {\"api\": \"fake\"}}");
    Files.setPosixFilePermissions(dir.resolve("cloud.json"), java.nio.file.attribute.PosixFilePermissions
        .fromString("rw-------"));
    Result several = in("types");
    assertThat(several.exit()).isEqualTo(1);
    assertThat(several.err()).contains("--auth NAME").doesNotContain("VmClient").doesNotContain("builder()");
    Result none = in("--auth", "a", "console", "web1");
    assertThat(none.err()).doesNotContain("VmClient").doesNotContain("client.");
  }

  /**
   * Drift of every kind status reports, made by hand; then every fix status prints is run as printed (its
   * first alternative), until status reports nothing.
   */
  @Test
  void everyFixStatusPrintsRunsAsPrinted() throws Exception {
    for (int i = 1; i <= 7; i++) {
      ok("add", "web" + i);
    }
    Files.writeString(dir.resolve("nodes/web2.json"), "{}"); // a record that lost its VM id
    Files.delete(dir.resolve("nodes/web3.json")); // a VM whose record is gone
    Files.copy(dir.resolve("nodes/web6.json"), dir.resolve("nodes/web4.json"), // a copied record
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve("nodes/web5.json"), "{\"vm\": {\"id\": \"vm-000999\"}}"); // bound elsewhere
    Files.writeString(dir.resolve("nodes/web8.json"), "{\"vm\": {\"id\": \"vm-000998\"}}"); // a VM that is gone
    Files.writeString(dir.resolve("nodes/web9.json"), "{\"vm\": {\"intent\": {\"token\": \"flotilla-x\", \"profile\":"
        + " \"fake\", \"spec\": \"s\", \"nodes\": [\"web9\"], \"since\": \"2026-12-01T10:00:00Z\"}}}"); // unfinished
    ok("--force", "bind", "web1", "vm-000007"); // web7's VM moved to web1: web1's first VM is now a duplicate

    List<String> kinds = new ArrayList<>();
    for (JsonElement d : JsonParser.parseString(ok("--json", "status").out()).getAsJsonObject().getAsJsonArray("drift")) {
      kinds.add(d.getAsJsonObject().get("kind").getAsString());
    }
    for (int round = 0; round < 20; round++) {
      List<JsonObject> drift = new ArrayList<>();
      for (JsonElement d : JsonParser.parseString(ok("--json", "status").out()).getAsJsonObject().getAsJsonArray("drift")) {
        drift.add(d.getAsJsonObject());
      }
      if (drift.isEmpty()) {
        break;
      }
      String fix = drift.get(0).get("fix").getAsString().split(" or ")[0].replaceAll("\\([^)]*\\)", "").trim();
      for (String command : fix.split("&&")) {
        List<String> words = new ArrayList<>(List.of(command.trim().split("\\s+")));
        assertThat(words.remove(0)).isEqualTo("vm");
        ok(words.toArray(String[]::new));
      }
    }
    assertThat(kinds).contains("RECORD_WITHOUT_VM", "VM_WITHOUT_RECORD", "VM_OF_OTHER_NODE", "VM_NOT_FOUND",
        "UNFINISHED_CREATE", "DUPLICATE_VMS", "VM_ID_MISMATCH");
    JsonObject end = JsonParser.parseString(ok("--json", "status").out()).getAsJsonObject();
    assertThat(end.getAsJsonArray("drift")).isEmpty();
  }
}
