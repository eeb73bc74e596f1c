package dev.flotilla.vm.cli;

import dev.flotilla.vm.aws.Ec2TestServer;
import dev.flotilla.vm.cloudstack.CsServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The untrusted-answer cases of issue 23, each run as a user would meet it: the {@code vm} command as its own
 * process against the fake cloud or a test server answering as a hostile cloud or proxy would, measured by
 * {@code /usr/bin/time} (wall time and peak resident memory). Prints one table row per case: what happened
 * (exit code, lines on standard error, the first of them), time and memory. Not a test: the tests of each
 * case are in CliIT, AwsProviderTest, CloudStackTest and OpenStackProviderTest; this prints the figures.
 *
 * <p>{@code mvn -B -q -pl vm-cli -am test-compile} then run with the test classpath and {@code -Dvm.jar}.
 */
public final class UntrustedCases {
  private static final List<String> ROWS = new ArrayList<>();

  private UntrustedCases() {}

  private record Run(int exit, List<String> err, String out, double seconds, long peakKb) {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(System.getProperty("vm.jar", "vm-cli/target/vm.jar")).toAbsolutePath();
    fakeCloud(jar);
    try (Ec2TestServer ec2 = Ec2TestServer.start()) {
      ec2(jar, ec2);
    }
    try (CsServer cs = new CsServer()) {
      cloudStack(jar, cs);
    }
    System.out.println("| case | exit | stderr lines | what it said (first line, cut) | time | peak RSS |");
    System.out.println("|---|---|---|---|---|---|");
    ROWS.forEach(System.out::println);
  }

  private static void fakeCloud(Path jar) throws Exception {
    Path d = Files.createTempDirectory("case");
    Files.createDirectories(d.resolve("nodes"));
    Files.writeString(d.resolve("nodes/a1.json"), "{\"ip_address\": \"-oProxyCommand=touch PWNED\"}");
    Run r = vm(jar, d, "ssh", "a1", "--", "uptime");
    row("record ip_address `-oProxyCommand=touch PWNED`, `vm ssh a1 -- uptime` (PWNED made: "
        + Files.exists(d.resolve("PWNED")) + ")", r);

    d = Files.createTempDirectory("case");
    Files.createSymbolicLink(d.resolve("cloud.json"), Path.of("/dev/zero"));
    row("cloud.json a link to /dev/zero, `vm status`", vm(jar, d, "status"));

    d = Files.createTempDirectory("case");
    Files.createDirectories(d.resolve("nodes"));
    mkfifo(d.resolve("nodes/web1.json"));
    row("nodes/web1.json a FIFO, `vm status`", vm(jar, d, "status"));

    d = Files.createTempDirectory("case");
    Files.createDirectories(d.resolve(".flotilla"));
    mkfifo(d.resolve(".flotilla/fake-cloud.json"));
    row(".flotilla/fake-cloud.json a FIFO, `vm status`", vm(jar, d, "status"));

    d = Files.createTempDirectory("case");
    vm(jar, d, "add", "web1");
    row("`vm image-rm debian-12` (an image Flotilla did not save)", vm(jar, d, "image-rm", "debian-12"));

    d = Files.createTempDirectory("case");
    Files.createDirectories(d.resolve("nodes"));
    Files.writeString(d.resolve("nodes/web1.json"), "{}");
    Files.writeString(d.resolve("nodes/WEB1.json"), "{}");
    Run both = vm(jar, d, "start");
    row("nodes/web1.json and nodes/WEB1.json, `vm start` (VMs made: " + vms(jar, d) + ")", both);

    d = Files.createTempDirectory("case");
    vm(jar, d, "status");
    List<Process> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      runs.add(command(jar, d, "run", "debian-12", "-n", "2", "-q").start());
    }
    for (Process p : runs) {
      p.waitFor(300, TimeUnit.SECONDS);
    }
    row("four concurrent `vm run debian-12 -n 2` (VMs made: " + vms(jar, d) + ", node records: "
        + Files.list(d.resolve("nodes")).filter(f -> f.toString().endsWith(".json")).count() + ")",
        vm(jar, d, "status", "-q"));
  }

  private static void ec2(Path jar, Ec2TestServer server) throws Exception {
    Path d = ec2Dir(server);
    vm(jar, d, "add", "web1");
    Path secret = Files.createTempFile("secret", ".txt");
    Files.writeString(secret, "SECRET-LINE-42");
    server.answerNext(400, "text/xml;charset=UTF-8", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \""
        + secret.toUri() + "\">]><Response><Errors><Error><Code>InvalidParameterValue</Code><Message>&x;</Message>"
        + "</Error></Errors><RequestID>1</RequestID></Response>");
    Run r = vm(jar, d, "status");
    row("EC2 400 whose `<Message>` is a file entity, `vm status` (secret printed: "
        + String.join("\n", r.err()).contains("SECRET-LINE-42") + ")", r);

    server.answerNext(500, "text/plain", "Internal error, not XML at all");
    r = vm(jar, d, "status");
    row("EC2 non-XML 500, `vm status` (`[Fatal Error]` lines: " + r.err().stream()
        .filter(l -> l.contains("[Fatal Error]")).count() + ")", r);

    server.garbageNext("DescribeInstances", "INCOMPLETE");
    r = vm(jar, d, "reconcile");
    row("EC2 DescribeInstances without `<reservationSet>`, `vm reconcile` (web1 still bound: "
        + Files.readString(d.resolve("nodes/web1.json")).contains("\"id\"") + ")", r);

    server.garbageNext("DescribeInstances", "FOREIGN_404");
    r = vm(jar, d, "rm", "web1");
    row("EC2 proxy's HTML 404 to DescribeInstances, `vm rm web1` (record kept: "
        + Files.readString(d.resolve("nodes/web1.json")).contains("\"id\"") + ")", r);

    String web1 = server.instances().stream().filter(v -> "web1".equals(v.node())).findFirst().orElseThrow().id();
    server.runAnswersExisting(List.of(web1));
    r = vm(jar, d, "add", "dnew");
    row("EC2 RunInstances answering web1's instance id, `vm add dnew` (web1's VM still tagged web1: "
        + server.instances().stream().anyMatch(v -> v.id().equals(web1) && "web1".equals(v.node())) + ")", r);

    server.answerNext(400, "text/xml;charset=UTF-8", "<Response><Errors><Error><Code>InvalidParameterValue</Code>"
        + "<Message>" + "x".repeat(31 << 20) + "</Message></Error></Errors><RequestID>1</RequestID></Response>");
    r = vm(jar, d, "status");
    row("EC2 400 with a 31 MB `<Message>`, `vm status` (longest line: " + r.err().stream()
        .mapToInt(String::length).max().orElse(0) + " chars)", r);
  }

  private static void cloudStack(Path jar, CsServer server) throws Exception {
    Path d = Files.createTempDirectory("case");
    Files.writeString(d.resolve("cloud.json"), """
        {"acs": {"api": "cloudstack", "auth": {"api_url": "%s", "api_key": "%s", "secret_key": "%s",
         "service_offering": "Small Instance"}, "default_image": "debian-12"}}
        """.formatted(server.url(), CsServer.API_KEY, CsServer.SECRET_KEY));
    ownerOnly(d.resolve("cloud.json"));
    vm(jar, d, "add", "web1");
    server.hostileNext("listVirtualMachines", "count-no-list");
    Run r = vm(jar, d, "reconcile");
    row("CloudStack `{\"count\":3}` without its list, `vm reconcile` (web1 still bound: "
        + Files.readString(d.resolve("nodes/web1.json")).contains("\"id\"") + ")", r);
    server.hostileNext("listVirtualMachines", "count-lots");
    row("CloudStack `count: \"lots\"`, `vm status`", vm(jar, d, "status"));
    server.endlessPages(true);
    r = vm(jar, d, "status");
    server.endlessPages(false);
    row("CloudStack pages that never end, `vm status`", r);
  }

  private static Path ec2Dir(Ec2TestServer server) throws IOException {
    Path d = Files.createTempDirectory("case");
    Files.writeString(d.resolve("cloud.json"), """
        {"ec2": {"api": "aws", "auth": {"region": "%s", "aws_access_key_id": "%s", "aws_secret_access_key": "%s",
         "endpoint": "%s"}, "default_image": "ami-0123456789abcdef0"}}
        """.formatted(Ec2TestServer.REGION, Ec2TestServer.ACCESS_KEY, Ec2TestServer.SECRET_KEY, server.url()));
    ownerOnly(d.resolve("cloud.json"));
    return d;
  }

  private static void ownerOnly(Path file) throws IOException {
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  private static long vms(Path jar, Path d) throws Exception {
    return vm(jar, d, "status").out().lines().filter(l -> l.contains("vm-0")).count();
  }

  private static void mkfifo(Path p) throws Exception {
    new ProcessBuilder("mkfifo", "--", p.toString()).inheritIO().start().waitFor();
  }

  private static ProcessBuilder command(Path jar, Path dir, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "--dir", dir.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(
        new java.io.File("/dev/null")));
  }

  private static Run vm(Path jar, Path dir, String... args) throws Exception {
    Path times = Files.createTempFile("time", ".txt");
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-o", times.toString(), "-f", "%e %M"));
    cmd.addAll(command(jar, dir, args).command());
    Path out = Files.createTempFile("out", ".txt");
    Path err = Files.createTempFile("err", ".txt");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(
        new java.io.File("/dev/null"))).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
    }
    String[] t = Files.readString(times).trim().split("\\s+");
    String lastLine = t.length >= 2 ? t[t.length - 2] + " " + t[t.length - 1] : "0 0";
    String[] figures = lastLine.split(" ");
    return new Run(p.exitValue(), Files.readAllLines(err, StandardCharsets.UTF_8), Files.readString(out),
        Double.parseDouble(figures[0]), Long.parseLong(figures[1]));
  }

  private static void row(String what, Run r) {
    String first = r.err().isEmpty() ? r.out().lines().findFirst().orElse("") : r.err().get(0);
    first = first.length() > 140 ? first.substring(0, 140) + "..." : first;
    ROWS.add("| " + what + " | " + r.exit() + " | " + r.err().size() + " | " + first.replace("|", "\\|") + " | "
        + r.seconds() + " s | " + (r.peakKb() / 1024) + " MB |");
  }
}
