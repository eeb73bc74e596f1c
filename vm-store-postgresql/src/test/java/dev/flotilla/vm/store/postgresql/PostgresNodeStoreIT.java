package dev.flotilla.vm.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeRecord;
import dev.flotilla.vm.NodeLockedException;
import dev.flotilla.vm.store.FileNodeStore;
import dev.flotilla.vm.store.NodeStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a real PostgreSQL shows: the rows, the credentials, the schema's version, crashed lock holders. */
class PostgresNodeStoreIT {
  @TempDir
  Path dir;

  private static Node web() {
    return Node.builder("web1").profile("aws-prod").image("ami-98e114f8").service("webapp").tag("seattle")
        .option("InstanceType", "t3.small").build()
        .withRecord(NodeRecord.builder().vmId("i-0abc").publicAddress("203.0.113.7").build());
  }

  @Test
  void aRowHoldsExactlyWhatNodesNameJsonHolds() throws Exception {
    String url = TestDatabase.freshSchemaUrl();
    try (NodeStore store = PostgresNodeStore.open(url, TestDatabase.env())) {
      store.put(Node.builder("base").image("debian-12").service("monitoring").build());
      store.put(web().toBuilder().parent("base").build());
    }
    FileNodeStore files = FileNodeStore.open(dir);
    files.put(Node.builder("base").image("debian-12").service("monitoring").build());
    files.put(web().toBuilder().parent("base").build());
    String schema = url.substring(url.indexOf("schema=") + "schema=".length());
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT record::text, record->>'ip_address', record->'vm'->>'id', updated_by"
            + " FROM " + schema + ".flotilla_node WHERE name = 'web1'")) {
      assertThat(r.next()).isTrue();
      assertThat(JsonParser.parseString(r.getString(1)))
          .isEqualTo(JsonParser.parseString(Files.readString(files.fileOf("web1"))));
      assertThat(r.getString(2)).isEqualTo("203.0.113.7");
      assertThat(r.getString(3)).isEqualTo("i-0abc");
      assertThat(r.getString(4)).startsWith("pid " + ProcessHandle.current().pid() + " on host ");
    }
  }

  @Test
  void aWrongPasswordIsOneLineNamingTheUserAndNeverThePassword() {
    Map<String, String> env = new HashMap<>(TestDatabase.env());
    env.put("PGPASSWORD", "not-the-password-7x");
    assertThatThrownBy(() -> PostgresNodeStore.open(TestDatabase.url(), env))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("refused user 'flotilla'").hasMessageContaining("~/.pgpass")
        .hasMessageNotContaining("not-the-password-7x")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void noPasswordAnywhereIsOneLineSayingWhereToPutIt() throws Exception {
    Path empty = Files.createFile(dir.resolve("pgpass"));
    String url = TestDatabase.url();
    String before = System.getProperty("org.postgresql.pgpassfile");
    System.setProperty("org.postgresql.pgpassfile", empty.toString());
    try {
      assertThatThrownBy(() -> PostgresNodeStore.open(url, Map.of()))
          .isInstanceOf(ConfigurationException.class).hasMessageContaining("PGPASSWORD")
          .hasMessageContaining("127.0.0.1:");
    } finally {
      System.setProperty("org.postgresql.pgpassfile", before);
    }
  }

  @Test
  void aMissingDatabaseSaysHowToMakeIt() {
    String url = TestDatabase.url().replaceFirst("/flotilla$", "/no_such_db");
    assertThatThrownBy(() -> PostgresNodeStore.open(url, TestDatabase.env()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("no_such_db").hasMessageContaining("createdb");
  }

  @Test
  void aSchemaFromANewerFlotillaIsRefusedAndLeftAsItIs() throws Exception {
    String url = TestDatabase.freshSchemaUrl();
    String schema = url.substring(url.indexOf("schema=") + "schema=".length());
    try (NodeStore store = PostgresNodeStore.open(url, TestDatabase.env())) {
      store.put(web());
    }
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO " + schema + ".flotilla_schema_history (installed_rank, version, description, type,"
          + " script, checksum, installed_by, execution_time, success) VALUES (2, '2', 'from a newer Flotilla', 'SQL',"
          + " 'V2__newer.sql', 0, 'flotilla', 1, true)");
    }
    String before = tables(schema);
    assertThatThrownBy(() -> PostgresNodeStore.open(url, TestDatabase.env()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("schema version 2")
        .hasMessageContaining("newer Flotilla").hasMessageContaining("nothing was changed");
    assertThat(tables(schema)).as("the records and the schema's history").isEqualTo(before).contains("web1");
  }

  /** Every row of the store's two tables, as text. */
  private static String tables(String schema) throws Exception {
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT (SELECT json_agg(n ORDER BY name)::text FROM " + schema
            + ".flotilla_node n), (SELECT json_agg(h ORDER BY installed_rank)::text FROM " + schema
            + ".flotilla_schema_history h)")) {
      r.next();
      return r.getString(1) + "\n" + r.getString(2);
    }
  }

  @Test
  void aLockWhoseSessionEndedRefusesTheWriteItGuarded() throws Exception {
    try (NodeStore store = PostgresNodeStore.open(TestDatabase.freshSchemaUrl(), TestDatabase.env())) {
      store.put(web());
      try (NodeStore.Lock lock = store.lock(List.of("web1"), Duration.ZERO)) {
        try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
            ResultSet r = s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                + " AND granted AND pid <> pg_backend_pid()")) {
          assertThat(r.next()).as("the lock's session was found and ended").isTrue();
        }
        assertThatThrownBy(() -> store.update("web1", n -> n.withRecord(n.record().toBuilder().vmId("i-0other").build())))
            .hasMessageContaining("lock of node web1 was lost").hasMessageContaining("Nothing was written");
      }
      assertThat(store.get("web1").flatMap(Node::vmId)).contains("i-0abc");
      try (NodeStore.Lock again = store.lock(List.of("web1"), Duration.ZERO)) {
        assertThat(store.update("web1", n -> n.withRecord(n.record().toBuilder().vmId("i-0def").build())).flatMap(Node::vmId))
            .contains("i-0def");
      }
    }
  }

  @Test
  void aBatchOfTenThousandNodesTakesOneServerLockNotTenThousand() throws Exception {
    List<String> many = java.util.stream.IntStream.range(0, 10_000).mapToObj(i -> "n" + i).toList();
    try (NodeStore store = PostgresNodeStore.open(TestDatabase.freshSchemaUrl(), TestDatabase.env());
        NodeStore.Lock lock = store.lock(many, Duration.ZERO);
        Connection c = TestDatabase.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")) {
      r.next();
      // PostgreSQL's lock table holds 64 per connection by default: one lock per node would exhaust it
      assertThat(r.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void aRecordHeldByAnotherSessionIsWaitedForAWhileThenItsHolderIsNamed() throws Exception {
    String url = TestDatabase.freshSchemaUrl();
    String schema = url.substring(url.indexOf("schema=") + "schema=".length());
    try (PostgresNodeStore store = PostgresNodeStore.open(url, TestDatabase.env());
        Connection psql = TestDatabase.connect(); Statement s = psql.createStatement()) {
      store.put(web());
      store.recordLockWait(Duration.ofMillis(500));
      // as an operator's psql session might: a row locked and left so
      s.execute("SET application_name = 'psql'");
      psql.setAutoCommit(false);
      s.executeQuery("SELECT * FROM " + schema + ".flotilla_node WHERE name = 'web1' FOR UPDATE").close();
      long pid;
      try (ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
        r.next();
        pid = r.getLong(1);
      }

      assertThatThrownBy(() -> store.update("web1", n -> n.withRecord(n.record().toBuilder().vmId("i-0new").build())))
          .isInstanceOf(dev.flotilla.vm.VmException.class)
          .hasMessageContaining("record of node web1: another session, since ")
          .hasMessageContaining("(pid " + pid + ", application 'psql', from 127.0.0.1)")
          .hasMessageContaining("nothing was changed");
      psql.rollback();
      assertThat(store.get("web1").flatMap(Node::vmId)).as("nothing was changed").contains("i-0abc");
      store.update("web1", n -> n.withRecord(n.record().toBuilder().vmId("i-0new").build()));
      assertThat(store.get("web1").flatMap(Node::vmId)).contains("i-0new");
    }
  }

  @Test
  void theLockOfAProcessThatIsKilledIsReleasedAndWhileHeldItNamesTheHolder() throws Exception {
    String url = TestDatabase.freshSchemaUrl();
    try (NodeStore store = PostgresNodeStore.open(url, TestDatabase.env())) {
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Dorg.postgresql.pgpassfile=" + System.getProperty("org.postgresql.pgpassfile"),
          "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), url, "web1")
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectError(ProcessBuilder.Redirect.INHERIT);
      Process holder = pb.start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("locked");
        assertThatThrownBy(() -> store.lock(List.of("web1"), Duration.ofMillis(300)))
            .isInstanceOf(NodeLockedException.class)
            .hasMessageContaining("pid " + holder.pid() + " on host");
      } finally {
        holder.destroyForcibly(); // SIGKILL: no chance to unlock
        assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
      }
      try (NodeStore.Lock lock = store.lock(List.of("web1"), Duration.ofSeconds(60))) {
        assertThat(lock).as("PostgreSQL ended the killed process's session, and its lock with it").isNotNull();
      }
    }
  }
}
