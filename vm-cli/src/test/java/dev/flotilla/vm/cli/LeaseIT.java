package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.aws.Ec2TestServer;
import dev.flotilla.vm.cloudstack.CsServer;
import dev.flotilla.vm.openstack.NovaTestServer;
import dev.flotilla.vm.stratuslab.OneTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases from the command line: a node added with a lease whose record is then lost is still reaped by its
 * VM's tags, and the node without one keeps running; on the embedded fake cloud and on the EC2, CloudStack,
 * OpenStack and OpenNebula test servers.
 */
@Timeout(300)
class LeaseIT {
  @TempDir
  Path dir;

  private String ok(String... args) throws Exception {
    return VmCommand.ok(dir, args);
  }

  private String idOf(String node) throws Exception {
    String status = ok("-q", "status", node);
    return status.strip().split(",")[0];
  }

  /** t1 with a 1 s lease and t2 without; t1's record removed; then the reap, once t1's lease has ended. */
  private void leasedNodeWhoseRecordIsLostIsReaped() throws Exception {
    assertThat(ok("add", "t1", "--lease", "1s", "--wait")).contains("started t1");
    ok("add", "t2", "--wait");
    String t1 = idOf("t1");
    String t2 = idOf("t2");
    assertThat(ok("status")).contains("LEASE").containsPattern("t1 .* destroy(, ended \\w+ ago| in \\w+)\\R")
        .containsPattern("t2 .* -\\R");
    Files.delete(dir.resolve("nodes/t1.json"));

    // the lease ends a second after the create: asked until it has, with no fixed sleep
    String preview = ok("reap", "--dry-run");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!preview.contains("would destroy " + t1) && System.nanoTime() < deadline) {
      preview = ok("reap", "--dry-run");
    }
    assertThat(preview).contains("would destroy " + t1 + " (node t1, ").doesNotContain("node t2");
    assertThat(ok("status")).as("a dry run does nothing").contains(t1);

    String reaped = ok("reap");
    assertThat(reaped).contains("destroyed " + t1 + " (node t1, ").contains("its lease ended at ")
        .doesNotContain("node t2");
    assertThat(ok("reap")).as("nothing is reaped twice").contains("no lease has ended");
    assertThat(ok("-q", "status", "t2")).contains(t2);
  }

  @Test
  void onTheEmbeddedFakeCloud() throws Exception {
    leasedNodeWhoseRecordIsLostIsReaped();
    assertThat(ok("status")).as("listed a while, as EC2 lists them").containsPattern("t1 +terminated");

    ok("add", "t3", "--lease", "1s", "--wait");
    String t3 = idOf("t3");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!ok("reap", "--dry-run").contains(t3) && System.nanoTime() < deadline) {
      continue; // asked until the lease has ended
    }
    assertThat(ok("watch", "--once")).as("watch reaps as it watches").contains("destroyed " + t3 + " (node t3, ");
  }

  @Test
  void onTheEc2TestServer() throws Exception {
    try (Ec2TestServer server = Ec2TestServer.start()) {
      onProfile("""
          {"ec2": {"api": "aws", "auth": {"region": "%s", "aws_access_key_id": "%s", "aws_secret_access_key": "%s",
           "endpoint": "%s"}, "default_image": "ami-0123456789abcdef0"}}
          """.formatted(Ec2TestServer.REGION, Ec2TestServer.ACCESS_KEY, Ec2TestServer.SECRET_KEY, server.url()));
    }
  }

  @Test
  void onTheCloudStackTestServer() throws Exception {
    try (CsServer server = new CsServer()) {
      onProfile("""
          {"acs": {"api": "cloudstack", "auth": {"api_url": "%s", "api_key": "%s", "secret_key": "%s",
           "service_offering": "Small Instance"}, "default_image": "debian-12"}}
          """.formatted(server.url(), CsServer.API_KEY, CsServer.SECRET_KEY));
    }
  }

  @Test
  void onTheOpenStackTestServer() throws Exception {
    try (NovaTestServer server = NovaTestServer.start()) {
      onProfile(TestClouds.openStack(server));
    }
  }

  @Test
  void onTheOpenNebulaTestServer() throws Exception {
    try (OneTestServer server = OneTestServer.start("6.8.0")) {
      onProfile(TestClouds.openNebula(server));
    }
  }

  private void onProfile(String cloudJson) throws Exception {
    Chaos.cloudJson(dir, cloudJson);
    leasedNodeWhoseRecordIsLostIsReaped();
  }

  @Test
  void aLeaseIsRenewedFromTheCommandLineAndABadOneIsRefusedNamingTheOption() throws Exception {
    ok("add", "dev1", "--lease", "2h", "--on-expiry", "stop", "--wait");
    com.google.gson.JsonObject vm = com.google.gson.JsonParser.parseString(Files.readString(dir.resolve(
        "nodes/dev1.json"))).getAsJsonObject().getAsJsonObject("vm");
    assertThat(vm.get("lease").getAsString()).isEqualTo("2h");
    assertThat(vm.get("on_expiry").getAsString()).isEqualTo("stop");
    assertThat(vm.getAsJsonObject("leased").get("session").getAsString()).isNotBlank();
    assertThat(ok("lease", "dev1", "+1h")).containsPattern("the lease of dev1 ends at \\S+ \\(then: stop\\)");
    assertThat(ok("status")).as("3 hours after the add, less the seconds since").contains("stop in 2h59m");
    VmCommand.Result bad = VmCommand.together(dir, List.of("add", "dev2", "--lease", "two hours"));
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.out()).contains("--lease").contains("2h").doesNotContain("Exception");
    assertThat(dir.resolve("nodes/dev2.json")).doesNotExist();
  }
}
