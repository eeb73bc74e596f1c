package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.aws.Ec2TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The vm commands other clouds have, on EC2 (its test server): console, Elastic IPs, keys, images. */
@Timeout(300)
class Ec2CommandsIT {
  @TempDir
  Path dir;

  private String ok(String... args) throws Exception {
    return VmCommand.ok(dir, args);
  }

  @Test
  void consoleElasticIpsKeysAndImagesWorkOnEc2() throws Exception {
    try (Ec2TestServer server = Ec2TestServer.start()) {
      Chaos.cloudJson(dir, """
          {"ec2": {"api": "aws", "auth": {"region": "%s", "aws_access_key_id": "%s", "aws_secret_access_key": "%s",
           "endpoint": "%s"}, "default_image": "ami-0123456789abcdef0"}}
          """.formatted(Ec2TestServer.REGION, Ec2TestServer.ACCESS_KEY, Ec2TestServer.SECRET_KEY, server.url()));
      ok("add", "web1", "--wait");

      assertThat(ok("console", "web1")).contains("Cloud-init").contains("web1 login:");
      String ip = ok("-q", "ip-add", "web1").strip();
      assertThat(ip).matches("203\\.0\\.113\\.\\d+");
      assertThat(ok("ips")).contains(ip + "  amazon  i-");
      assertThat(ok("status")).contains(ip);
      ok("ip-rm", "web1", ip);
      assertThat(ok("ips")).doesNotContain(ip);
      // an address allocated for a node that cannot take it is given back, not left billed
      server.failNext("AssociateAddress", 400, "InvalidParameterCombination");
      VmCommand.Result failed = VmCommand.together(dir, List.of("ip-add", "web1"));
      assertThat(failed.exit()).isEqualTo(1);
      assertThat(failed.out()).contains("InvalidParameterCombination").contains("it allocated was released");
      assertThat(ok("ips")).doesNotContain("203.0.113.");

      Path key = dir.resolve("ops.pub");
      Files.writeString(key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops\n");
      assertThat(ok("key-register", key.toString(), "--name", "ops")).contains("registered key ops (");
      assertThat(ok("key-list")).contains("matches local key: " + key);

      String image = ok("-q", "image-save", "web1", "golden").strip();
      assertThat(ok("images")).contains(image);
      ok("image-rm", image);
      assertThat(ok("images")).doesNotContain(image);
      ok("rm", "web1", "--wait");
    }
  }
}
