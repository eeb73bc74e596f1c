package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.aws.Ec2TestServer;
import dev.flotilla.vm.openstack.NovaTestServer;
import dev.flotilla.vm.stratuslab.OneTestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every adapter, driven by the {@code vm} command at {@code -vvv} against its test server with faults
 * injected (server errors, garbage answers, a revoked token): no password, secret key, Keystone token or
 * request signature appears anywhere in what the command prints, and at the default level every failure
 * is one line with no trace.
 */
@Timeout(300)
class SecretsIT {
  @TempDir
  Path dir;

  private final StringBuilder all = new StringBuilder();

  /** Runs {@code vm args} in {@code dir}; keeps its stdout and stderr; returns them. */
  private String vm(String... args) throws Exception {
    VmCommand.Result r = VmCommand.together(dir, List.of(args));
    all.append("$ vm ").append(String.join(" ", args)).append(" (exit ").append(r.exit()).append(")\n").append(r.out());
    return r.out();
  }

  private void cloudJson(String json) throws Exception {
    Chaos.cloudJson(dir, json);
  }

  private void assertNoneOf(List<String> secrets) {
    assertThat(all.toString()).as("the output holds evidence of the calls").contains("DEBUG");
    for (String s : secrets) {
      assertThat(all.toString()).as("secret %s", s.substring(0, Math.min(6, s.length()))).doesNotContain(s);
    }
  }

  /** At the default level a failure is one line, "error: ...", and nothing of jclouds or a trace. */
  private static void assertOneLine(String output) {
    assertThat(output.lines().filter(l -> !l.startsWith("skipping") && !l.startsWith("Using"))).singleElement()
        .asString().startsWith("error: ");
    assertThat(output).doesNotContain("\tat ").doesNotContain("jclouds").doesNotContain("Exception:");
  }

  @Test
  void ec2() throws Exception {
    try (Ec2TestServer server = Ec2TestServer.start()) {
      cloudJson("""
          {"ec2": {"api": "aws", "auth": {"region": "%s", "aws_access_key_id": "%s", "aws_secret_access_key": "%s",
           "endpoint": "%s"}, "default_image": "ami-0123456789abcdef0"}}
          """.formatted(Ec2TestServer.REGION, Ec2TestServer.ACCESS_KEY, Ec2TestServer.SECRET_KEY, server.url()));
      vm("-vvv", "add", "web1", "--wait");
      server.failNext(1, 500, "InternalError");
      vm("-vvv", "status");
      server.failNext(20, 503, "Unavailable");
      assertOneLine(vm("stop", "web1"));
      server.clearFaults();
      server.garbage(1.0, 7);
      vm("-vvv", "reboot", "web1");
      assertOneLine(vm("reboot", "web1"));
      server.garbage(0, 7);
      vm("-vvv", "rm", "web1", "--wait");
      List<String> secrets = new ArrayList<>(List.of(Ec2TestServer.SECRET_KEY));
      secrets.addAll(server.signatures());
      assertThat(server.signatures()).hasSizeGreaterThan(5);
      assertNoneOf(secrets);
    }
  }

  @Test
  void openStack() throws Exception {
    try (NovaTestServer server = NovaTestServer.start()) {
      cloudJson(TestClouds.openStack(server));
      vm("-vvv", "add", "web1", "--wait");
      server.failNext("GET", "/glance", 503, "Glance is down");
      vm("-vvv", "images");
      for (int i = 0; i < 10; i++) {
        server.failNext("GET", "/glance", 503, "Glance is down");
      }
      assertOneLine(vm("images"));
      server.expireToken();
      vm("-vvv", "stop", "web1");
      server.garbageNext("GET", "/v2.1/servers/detail", "text/html", "<html>proxy</html>");
      vm("-vvv", "status");
      for (int i = 0; i < 5; i++) {
        server.failNext("POST", "/v3/auth/tokens", 401, "The request you have made requires authentication.");
      }
      assertOneLine(vm("status"));
      vm("-vvv", "rm", "web1", "--wait");
      List<String> secrets = new ArrayList<>(List.of(NovaTestServer.PASSWORD));
      secrets.addAll(server.tokens());
      assertThat(server.tokens()).hasSizeGreaterThan(1);
      assertNoneOf(secrets);
    }
  }

  @Test
  void stratusLab() throws Exception {
    try (OneTestServer server = OneTestServer.start("6.8.0")) {
      cloudJson(TestClouds.openNebula(server));
      vm("-vvv", "add", "web1", "--wait");
      server.answerNext(500, "<html>proxy error for " + OneTestServer.USER + ":" + OneTestServer.PASSWORD + "</html>");
      vm("-vvv", "status");
      for (int i = 0; i < 10; i++) {
        server.answerNext(503, "busy");
      }
      assertOneLine(vm("status"));
      server.answerNext(200, "<html>not XML-RPC</html>");
      assertOneLine(vm("status"));
      vm("-vvv", "rm", "web1", "--wait");
      assertNoneOf(List.of(OneTestServer.PASSWORD));
    }
  }

  /** Signatures look like long hex strings: the check would be empty without them. */
  @Test
  void theSignaturesSearchedForAreReal() throws Exception {
    try (Ec2TestServer server = Ec2TestServer.start()) {
      cloudJson("""
          {"ec2": {"api": "aws", "auth": {"region": "%s", "aws_access_key_id": "%s", "aws_secret_access_key": "%s",
           "endpoint": "%s"}, "default_image": "ami-0123456789abcdef0"}}
          """.formatted(Ec2TestServer.REGION, Ec2TestServer.ACCESS_KEY, Ec2TestServer.SECRET_KEY, server.url()));
      vm("status");
      Matcher m = Pattern.compile("[0-9a-f]{64}").matcher(String.join(" ", server.signatures()));
      assertThat(m.find()).isTrue();
    }
  }
}
