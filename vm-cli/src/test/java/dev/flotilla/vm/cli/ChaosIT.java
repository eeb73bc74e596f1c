package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.aws.Ec2TestServer;
import dev.flotilla.vm.testkit.FakeCloud;
import dev.flotilla.vm.testkit.FileBackedFakeCloud;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The judge of the safety invariants: rounds of overlapping {@code vm} processes on shared nodes, killed
 * at every step of the create path and at random moments, against a cloud that ignores create tokens and
 * answers some calls with garbage; see {@link Chaos} for what is checked after each round.
 *
 * <p>Bounded for CI ({@code -Dchaos.rounds}, 40 on the fake cloud and a quarter of that on the EC2 test
 * server by default), seeded and replayable ({@code -Dchaos.seed}); the long run is
 * {@code mvn -B verify -pl vm-cli -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT
 * -Dchaos.rounds=200 -Dfailsafe.fork.timeout=10800} (see docs/building.md).
 *
 * <p>Each run is bounded by its rounds: ten minutes and 20 seconds a round (every process it waits for is
 * bounded too); the annotation only caps that.
 */
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.HOURS)
class ChaosIT {
  private static final int ROUNDS = Integer.getInteger("chaos.rounds", 40);

  /** The time one run of {@code rounds} rounds may take. */
  private static java.time.Duration budget(int rounds) {
    return java.time.Duration.ofSeconds(600 + 20L * rounds);
  }

  /** Runs the chaos on {@code backend} within its budget, prints its report and checks it. */
  private Chaos.Report judged(Chaos.Backend backend, long seed, int rounds) {
    Chaos.Report report = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(budget(rounds),
        () -> new Chaos(backend, dir, seed, rounds).run());
    System.out.println(report);
    report.assertClean();
    return report;
  }
  private static final long SEED = Long.getLong("chaos.seed", 20261201L);

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void onTheFakeCloudNoDuplicateNoOrphanNoWrongDestroy() throws Exception {
    judged(new FakeBackend(dir), SEED, ROUNDS);
  }

  @Test
  void onTheEc2TestServerNoDuplicateNoOrphanNoWrongDestroy() throws Exception {
    try (Ec2Backend backend = new Ec2Backend(dir)) {
      assertThat(judged(backend, SEED + 1, Math.max(2, ROUNDS / 4)).kills()).isPositive();
    }
  }

  @Test
  void onTwoCloudsTheFirstOftenFullNoDuplicateNoOrphanNoWrongDestroy() throws Exception {
    assertThat(judged(new TwoCloudsBackend(dir), SEED + 4, Math.max(2, ROUNDS / 4)).kills()).isPositive();
  }

  @Test
  void onTheCloudStackTestServerNoDuplicateNoOrphanNoWrongDestroy() throws Exception {
    try (CloudStackBackend backend = new CloudStackBackend(dir)) {
      assertThat(judged(backend, SEED + 3, Math.max(2, ROUNDS / 4)).kills()).isPositive();
    }
  }

  /**
   * The processes keep their records in one PostgreSQL database, as hosts of a team would, and share nothing
   * else but the cloud; run by vm-store-postgresql/real-db/test.sh, which starts the database.
   */
  @Test
  void withRecordsInPostgreSQLNoDuplicateNoOrphanNoWrongDestroy() throws Exception {
    String url = PostgresStoreIT.testStore();
    String store = url + "?schema=chaos_" + Long.toHexString(System.nanoTime());
    int rounds = Math.max(2, ROUNDS / 2);
    Chaos.Report report = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(budget(rounds),
        () -> new Chaos(new FakeBackend(dir), dir, store, SEED + 2, rounds).run());
    System.out.println(report.toString().replaceFirst("^chaos on ", "chaos with records in PostgreSQL, on "));
    report.assertClean();
  }

  /** The embedded fake cloud of the {@code vm} command, made to ignore tokens and to answer garbage. */
  static final class FakeBackend implements Chaos.Backend {
    private final Path file;

    FakeBackend(Path dir) {
      this.file = dir.resolve(Workspace.FAKE_CLOUD);
    }

    @Override
    public String name() {
      return "fake cloud (ignores tokens, 5% garbage)";
    }

    @Override
    public Map<String, String> env(boolean chaos, long seed) {
      return chaos ? Map.of("FLOTILLA_FAKE_IGNORE_TOKENS", "1", "FLOTILLA_FAKE_GARBAGE", "0.05",
          "FLOTILLA_FAKE_SEED", Long.toString(seed & Long.MAX_VALUE))
          : Map.of("FLOTILLA_FAKE_IGNORE_TOKENS", "1");
    }

    @Override
    public void chaos(boolean on, long seed) {
      // the garbage comes from each process's own fake: see env
    }

    @Override
    public List<String> failpoints() {
      return List.of("before-intent", "after-intent", "cloud-created", "after-create", "after-record");
    }

    @Override
    public Chaos.Kill serverSideKill(String failpoint) {
      return null;
    }

    @Override
    public List<Chaos.Vm> vms() {
      if (!Files.exists(file)) {
        return List.of();
      }
      return FileBackedFakeCloud.open(file).peek(FakeCloud::list).stream().map(FakeBackend::vm).toList();
    }

    static Chaos.Vm vm(Instance i) {
      return new Chaos.Vm(i.id(), i.nodeName().orElse(null), live(i.state()), i.state() == State.STOPPED
          || i.state() == State.STOPPING, i.tags().containsKey(Instance.PROFILE_TAG), i.tags(),
          i.fault().filter(f -> f.contains("InsufficientInstanceCapacity")).isPresent());
    }

    private static boolean live(State s) {
      return s != State.TERMINATED && s != State.TERMINATING;
    }
  }

  /**
   * Two fake clouds, profiles a and b, a falling back to b: a's capacity comes and goes from round to round
   * (none, a little, unlimited), and a full a refuses creates (as EC2) or fails the VMs as they boot (as Nova),
   * so creates move between the clouds while processes are killed between the placements.
   */
  static final class TwoCloudsBackend implements Chaos.Backend {
    private final Path dir;

    TwoCloudsBackend(Path dir) throws IOException {
      this.dir = dir;
      capacity("0", "create");
    }

    private void capacity(String vms, String fails) throws IOException {
      Chaos.cloudJson(dir, """
          {"a": {"api": "fake", "auth": {"capacity": "%s", "capacity_fails": "%s", "id_prefix": "a-"},
            "default_image": "debian-12", "fallback": ["b"]},
           "b": {"api": "fake", "auth": {"id_prefix": "b-"}, "default_image": "debian-12"}}
          """.formatted(vms, fails));
    }

    @Override
    public String name() {
      return "two fake clouds, a full from time to time and falling back to b";
    }

    @Override
    public Map<String, String> env(boolean chaos, long seed) {
      return Map.of("FLOTILLA_AUTH", "a");
    }

    @Override
    public void chaos(boolean on, long seed) {
      try {
        java.util.Random r = new java.util.Random(seed);
        capacity(on ? String.valueOf(r.nextInt(4)) : "1000", r.nextBoolean() ? "boot" : "create");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public List<String> failpoints() {
      return List.of("before-intent", "after-intent", "after-intent:2", "cloud-created", "after-create",
          "after-record");
    }

    @Override
    public Chaos.Kill serverSideKill(String failpoint) {
      return null;
    }

    @Override
    public List<Chaos.Vm> vms() {
      List<Chaos.Vm> out = new ArrayList<>();
      for (String profile : List.of("a", "b")) {
        Path file = dir.resolve(".flotilla/fake-" + profile + ".json");
        if (Files.exists(file)) {
          FileBackedFakeCloud.open(file).peek(FakeCloud::list).forEach(i -> out.add(FakeBackend.vm(i)));
        }
      }
      return out;
    }
  }

  /** The EC2 test server, ignoring ClientToken, with 5% garbage answers while processes run. */
  static final class Ec2Backend implements Chaos.Backend, AutoCloseable {
    private final Ec2TestServer server;

    Ec2Backend(Path dir) throws IOException {
      server = Ec2TestServer.start();
      server.ignoreClientTokens(true);
      Chaos.cloudJson(dir, """
          {"ec2": {"api": "aws", "auth": {"region": "%s", "aws_access_key_id": "%s", "aws_secret_access_key": "%s",
           "endpoint": "%s"}, "default_image": "ami-0123456789abcdef0"}}
          """.formatted(Ec2TestServer.REGION, Ec2TestServer.ACCESS_KEY, Ec2TestServer.SECRET_KEY, server.url()));
    }

    @Override
    public String name() {
      return "EC2 test server (ignores ClientToken, 5% garbage)";
    }

    @Override
    public void chaos(boolean on, long seed) {
      server.garbage(on ? 0.05 : 0, seed);
      if (!on) {
        server.holdNextRunInstances(null); // a kill armed for a round whose processes made nothing
      }
    }

    @Override
    public List<String> failpoints() {
      return List.of("before-intent", "after-intent", "server:run-instances", "after-create", "after-record");
    }

    @Override
    public Chaos.Kill serverSideKill(String failpoint) {
      if (!failpoint.equals("server:run-instances")) {
        return null;
      }
      // the next RunInstances takes effect, then the process that sent it is killed before the answer
      return onKill -> server.holdNextRunInstances(Chaos.senderOf(onKill));
    }

    @Override
    public List<Chaos.Vm> vms() {
      return server.instances().stream().map(v -> new Chaos.Vm(v.id(), v.node(), !Set.of("shutting-down",
          "terminated").contains(v.state()), Set.of("stopping", "stopped").contains(v.state()),
          v.tags().containsKey(Instance.PROFILE_TAG), v.tags())).toList();
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** Node names of the rounds, for the report. */
  static List<String> nodes() {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      out.add("n" + i);
    }
    return out;
  }

  /** The CloudStack test server (no create tokens at all), with 5% garbage answers while processes run. */
  static final class CloudStackBackend implements Chaos.Backend, AutoCloseable {
    private final dev.flotilla.vm.cloudstack.CsServer server;

    CloudStackBackend(Path dir) throws IOException {
      server = new dev.flotilla.vm.cloudstack.CsServer();
      Chaos.cloudJson(dir, """
          {"acs": {"api": "cloudstack", "auth": {"api_url": "%s", "api_key": "%s", "secret_key": "%s",
           "service_offering": "Small Instance", "page_size": 50, "max_list_items": 5000},
           "default_image": "debian-12", "default_options": {}}}
          """.formatted(server.url(), dev.flotilla.vm.cloudstack.CsServer.API_KEY,
          dev.flotilla.vm.cloudstack.CsServer.SECRET_KEY));
    }

    @Override
    public String name() {
      return "CloudStack test server (no create tokens, 5% garbage, endless pages among it)";
    }

    @Override
    public void chaos(boolean on, long seed) {
      server.garbage(on ? 0.05 : 0, seed);
      if (!on) {
        server.holdNextDeploy(null);
      }
    }

    @Override
    public List<String> failpoints() {
      return List.of("before-intent", "after-intent", "server:deploy", "after-create", "after-record");
    }

    @Override
    public Chaos.Kill serverSideKill(String failpoint) {
      if (!failpoint.equals("server:deploy")) {
        return null;
      }
      return onKill -> server.holdNextDeploy(Chaos.senderOf(onKill));
    }

    @Override
    public List<Chaos.Vm> vms() {
      return server.instances().stream().map(v -> new Chaos.Vm(v.id(), v.node(), !Set.of("Destroyed", "Expunging")
          .contains(v.state()), Set.of("Stopping", "Stopped").contains(v.state()), true, v.tags())).toList();
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
