package dev.flotilla.vm.testkit.records;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.SnapshotOptions;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.store.CloudConfig;
import dev.flotilla.vm.store.FileNodeStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A full lifecycle with real-looking credentials and every log at TRACE, printing every value and error
 * message it meets; {@link SecretsTest} reads all it printed.
 */
public final class SecretsChild {
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
  static final String FAKE_SECRET = "fk_live_9f8e7d6c5b4a39281706";
  static final String OS_PASSWORD = "Tr0ub4dor&3-openstack";
  static final String USER_DATA_PASSWORD = "cloud-init-s3cret-passw0rd";

  private SecretsChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Path cloudJson = dir.resolve("cloud.json");
    Files.writeString(cloudJson, """
        {
          "lab": {"api": "fake", "vendor": "flotilla", "auth": {"access_key": "AKLAB", "secret_key": "%s"}},
          "aws-prod": {"api": "aws", "vendor": "aws",
                       "auth": {"region": "us-west-2", "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
                                "aws_secret_access_key": "%s"}}
        }
        """.formatted(FAKE_SECRET, AWS_SECRET));
    CloudConfig config = CloudConfig.load(cloudJson, List.of("aws", "fake"));
    System.out.println("config: " + config + " warnings: " + config.warnings());
    Path rc = dir.resolve("openrc.sh");
    Files.writeString(rc, "export OS_AUTH_URL=https://keystone.example.org/v3\nexport OS_USERNAME=alice\n"
        + "export OS_PASSWORD='" + OS_PASSWORD + "'\nexport OS_PROJECT_NAME=astro\n");
    System.out.println("rc: " + CloudConfig.fromOpenRc(rc, Map.of()));
    System.out.println("env: " + CloudConfig.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "AKIAENV",
        "AWS_SECRET_ACCESS_KEY", AWS_SECRET)));

    for (String bad : List.of(
        "{\"lab\": {\"api\": \"fake\", \"auth\": {\"secret_kee\": \"" + FAKE_SECRET + "\"}}}",
        "{\"p\": {\"api\": \"aws\", \"auth\": {\"region\": \"r\", \"aws_access_key_id\": \"a\","
            + " \"aws_secret_access_key\": [\"" + AWS_SECRET + "\"]}}}",
        "{\"p\": {\"api\": \"aws\", \"auth\": {\"aws_secret_access_key\": \"" + AWS_SECRET + "\"}}}",
        "{\"p\": {\"api\": \"aws\", \"auth\": {\"aws_secret_access_key\": \"" + AWS_SECRET + "\" \"region\": 1}}}")) {
      Files.writeString(cloudJson, bad);
      attempt(() -> CloudConfig.load(cloudJson, List.of("aws", "fake")));
    }

    Profile lab = config.profile("lab").orElseThrow();
    System.out.println("profile: " + lab);
    try (VmClient client = VmClient.builder().profile(lab).store(FileNodeStore.open(dir)).build()) {
      List<Node> nodes = List.of(node("web1"), node("web2"), node("db1"));
      System.out.println("nodes: " + nodes);
      System.out.println("started: " + client.start(nodes));
      System.out.println("status: " + client.status());
      System.out.println("snapshot: " + client.snapshots(nodes.get(2)).take("before", SnapshotOptions.WITH_MEMORY));
      System.out.println("stopped: " + client.stop(nodes));
      attempt(() -> client.reboot(nodes.get(0)));
      System.out.println("started again: " + client.start(nodes));
      attempt(() -> client.bind(node("web9"), "vm-424242"));
      attempt(() -> client.start(node("web9").toBuilder().profile("nowhere").build()));
      System.out.println("records: " + FileNodeStore.open(dir).list());
      System.out.println("reconcile: " + client.reconcile());
      client.destroy(nodes);
      System.out.println("destroyed; status: " + client.status());
    }
    System.out.println("LIFECYCLE DONE");
  }

  private static Node node(String name) {
    return Node.builder(name).profile("lab").userData("#cloud-config\nchpasswd:\n  list: |\n    root:" + USER_DATA_PASSWORD
        + "\n").build();
  }

  private static void attempt(Runnable r) {
    try {
      r.run();
      System.out.println("no error");
    } catch (RuntimeException e) {
      System.out.println("error: " + e);
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        System.out.println("  cause: " + c);
      }
    }
  }
}
