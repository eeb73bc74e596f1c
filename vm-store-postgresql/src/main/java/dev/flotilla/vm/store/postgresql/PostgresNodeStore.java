package dev.flotilla.vm.store.postgresql;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeLockedException;
import dev.flotilla.vm.VmException;
import dev.flotilla.vm.support.Json;
import dev.flotilla.vm.support.NodeJson;
import dev.flotilla.vm.support.NodeLocks;
import dev.flotilla.vm.support.Records;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.store.postgresql.internal.PgErrors;
import dev.flotilla.vm.store.postgresql.internal.PgLocation;
import dev.flotilla.vm.store.postgresql.internal.Schema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Node records on PostgreSQL, for teams whose operators, CI runners and services share them: the same
 * guarantees as {@link dev.flotilla.vm.store.FileNodeStore} on one host, across hosts.
 *
 * <p>Each record is a row of {@code flotilla_node} whose {@code record} (JSONB) is exactly what
 * {@code nodes/NAME.json} would hold: LEAP's keys, {@code inherit}, and the create intent. An update reads,
 * changes and writes a record in one transaction that holds a transaction-scoped advisory lock on the
 * record's name, so concurrent writers, on any host, never lose each other's changes. The per-node locks of
 * {@link #lock} are session advisory locks on a connection of their own, which PostgreSQL releases when the
 * session ends: when the holder closes the lock, or its process dies and its connection drops.
 *
 * <p>Open one with {@code NodeStores.open("postgresql://user@host:port/db")} or {@link #open(String)}; the
 * tables are made (and migrated, by Flyway) on first use, in the schema the URL's {@code schema} names
 * ({@code public} by default). Credentials come from the URL, {@code PGUSER}/{@code PGPASSWORD}, or the
 * pgpass file, as psql finds them, and are never shown. Close the store to close its connections.
 */
public final class PostgresNodeStore implements NodeStore {
  private static final Gson GSON = new Gson();
  private static final int MAX_DEPTH = 32;
  /** Locks of more nodes than this take the whole store's lock instead of one lock per node. */
  static final int WHOLE_STORE_ABOVE = 32;
  private static final String CHAIN = "WITH RECURSIVE chain(name, record, depth) AS ("
      + " SELECT name, record, 0 FROM flotilla_node WHERE name = ?"
      + " UNION ALL SELECT n.name, n.record, c.depth + 1 FROM flotilla_node n JOIN chain c"
      + " ON n.name = c.record->>'inherit' WHERE c.depth < " + MAX_DEPTH + ")"
      + " SELECT name, record::text FROM chain ORDER BY depth";

  private final PgLocation at;
  private final PGSimpleDataSource direct;
  private final HikariDataSource pool;
  private final String lockPrefix;
  /** The sessions holding this client's node locks, by node: an update under a lock checks it still holds. */
  private final Map<String, Connection> lockSessions = new java.util.concurrent.ConcurrentHashMap<>();

  private PostgresNodeStore(PgLocation at, PGSimpleDataSource direct, HikariDataSource pool) {
    this.at = at;
    this.direct = direct;
    this.pool = pool;
    this.lockPrefix = "flotilla/" + at.schema() + "/";
  }

  /** The store at {@code url}, with the process's environment for defaults and credentials. */
  public static PostgresNodeStore open(String url) {
    return open(url, System.getenv());
  }

  /**
   * The store at {@code url} ({@code postgresql://user@host:port/database?schema=name}), reachable and with
   * its tables current.
   *
   * @param env where {@code PGHOST}, {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER} and
   *     {@code PGPASSWORD} are read; the pgpass file is {@code PGPASSFILE} or {@code ~/.pgpass}
   * @throws ConfigurationException (field {@code store}) for a URL that cannot be read, a wrong password, a
   *     missing database, or a schema from a newer Flotilla
   * @throws VmException when PostgreSQL cannot be reached
   */
  public static PostgresNodeStore open(String url, Map<String, String> env) {
    PgLocation at = PgLocation.parse(url, env);
    PGSimpleDataSource direct = dataSource(at, "flotilla " + NodeLocks.here());
    try (Connection c = direct.getConnection()) {
      c.isValid(10);
    } catch (SQLException e) {
      throw PgErrors.translate(e, at, "connecting");
    }
    Schema.migrate(direct, at);
    HikariConfig config = new HikariConfig();
    config.setDataSource(dataSource(at, "flotilla " + NodeLocks.here()));
    config.setPoolName("flotilla-store");
    config.setMaximumPoolSize(10);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(30_000);
    config.setInitializationFailTimeout(-1); // reached just above; a later outage is reported per call
    return new PostgresNodeStore(at, direct, new HikariDataSource(config));
  }

  private static PGSimpleDataSource dataSource(PgLocation at, String applicationName) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(at.jdbcUrl());
    at.driverProperties(applicationName).forEach((k, v) -> {
      try {
        ds.setProperty(k.toString(), v.toString());
      } catch (SQLException e) {
        throw new ConfigurationException(null, "store", "the driver option '" + k + "' of " + at
            + " is not one PostgreSQL's driver knows: " + e.getMessage());
      }
    });
    return ds;
  }

  /** Where the records are: {@code postgresql://user@host:port/database} (never with a password). */
  @Override
  public String location() {
    return at.toString();
  }

  @Override
  public Optional<Node> get(String name) {
    return withConnection("reading the record of node " + name, c -> chain(c, name));
  }

  /**
   * The records of many nodes with one query (the whole table, with the parents they inherit from) rather
   * than a round trip each; a few are read one by one.
   */
  @Override
  public Map<String, Node> get(java.util.Collection<String> names) {
    if (names.size() < MANY) {
      return NodeStore.super.get(names);
    }
    Set<String> wanted = new java.util.HashSet<>(names);
    Map<String, Node> out = new java.util.LinkedHashMap<>();
    list().stream().filter(n -> wanted.contains(n.name())).forEach(n -> out.put(n.name(), n));
    return out;
  }

  /** From how many names one query for all records beats a query each. */
  private static final int MANY = 32;

  @Override
  public List<Node> list() {
    Map<String, Node> raw = withConnection("listing the node records", c -> {
      Map<String, Node> out = new HashMap<>();
      try (PreparedStatement s = c.prepareStatement("SELECT name, record::text FROM flotilla_node")) {
        s.setFetchSize(1000);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            out.put(r.getString(1), read(r.getString(1), r.getString(2)));
          }
        }
      }
      return out;
    });
    Map<String, Node> resolved = new HashMap<>();
    List<Node> out = new ArrayList<>();
    for (String name : new TreeSet<>(raw.keySet())) {
      out.add(resolve(name, raw, resolved, new LinkedHashSet<>()));
    }
    return out;
  }

  /** How long a write waits for a record that another session holds before it says so. */
  static final java.time.Duration RECORD_LOCK_WAIT = java.time.Duration.ofSeconds(20);

  private volatile java.time.Duration recordLockWait = RECORD_LOCK_WAIT;

  /** A shorter wait than {@link #RECORD_LOCK_WAIT}, for tests. */
  void recordLockWait(java.time.Duration wait) {
    this.recordLockWait = wait;
  }

  @Override
  public Optional<Node> update(String name, UnaryOperator<Node> change) {
    checkStillLocked(name);
    return withConnection("writing the record of node " + name, c -> {
      c.setAutoCommit(false);
      try {
        try (java.sql.Statement s = c.createStatement()) {
          // a record that another session holds (its row locked, its lock taken) is waited for, not for ever
          s.execute("SET LOCAL lock_timeout = '" + recordLockWait.toMillis() + "ms'");
        }
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
          s.setString(1, lockPrefix + "record/" + name);
          s.execute();
        }
        Node before = chain(c, name).orElse(null);
        Node after = change.apply(before);
        if (after == null) {
          try (PreparedStatement s = c.prepareStatement("DELETE FROM flotilla_node WHERE name = ?")) {
            s.setString(1, name);
            s.executeUpdate();
          }
        } else {
          write(c, name, after);
        }
        c.commit();
        return Optional.ofNullable(after);
      } catch (SQLException | RuntimeException e) {
        rollback(c);
        if (e instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
          throw new VmException("The node store " + at + " could not write the record of node " + name + ": "
              + holderOf(c, name) + " has held it for longer than the store waits (" + recordLockWait.toSeconds()
              + " s); nothing was changed. Try again once that session has ended.", e);
        }
        throw e;
      }
    });
  }

  /**
   * Who holds node {@code name}'s record: the oldest other session that holds its record lock or a lock on the
   * records' table (a {@code SELECT ... FOR UPDATE} left open in psql, say), with its pid, application and
   * address and since when; Flotilla's sessions name their process and host as their application.
   */
  private String holderOf(Connection c, String name) {
    String sql = "SELECT a.pid, a.application_name, host(a.client_addr), a.xact_start FROM pg_stat_activity a"
        + " WHERE a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL AND a.pid IN (SELECT l.pid FROM pg_locks l"
        + " WHERE l.granted AND (l.locktype = 'advisory' AND ((l.classid::bigint << 32) | l.objid::bigint)"
        + " = hashtextextended(?, 0) OR l.relation = to_regclass('flotilla_node')))"
        + " ORDER BY a.xact_start LIMIT 1";
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, lockPrefix + "record/" + name);
      try (ResultSet r = s.executeQuery()) {
        if (r.next()) {
          String application = r.getString(2);
          String from = r.getString(3);
          return "another session, since " + r.getTimestamp(4).toInstant() + " (pid " + r.getInt(1)
              + (application == null || application.isBlank() ? "" : ", application '" + application + "'")
              + (from == null ? "" : ", from " + from) + ")";
        }
      }
    } catch (SQLException e) {
      // the holder could not be named: the error still says what happened
    }
    return "another session (pg_stat_activity shows which)";
  }

  private void write(Connection c, String name, Node after) throws SQLException {
    Node parent = Records.parentOf(name, after, parentName -> {
      try {
        return chain(c, parentName);
      } catch (SQLException e) {
        throw PgErrors.translate(e, at, "reading the record of node " + parentName);
      }
    }, null, this::whereIs);
    JsonObject json = NodeJson.write(after, parent);
    try (PreparedStatement s = c.prepareStatement("INSERT INTO flotilla_node (name, record, updated_at, updated_by)"
        + " VALUES (?, ?::jsonb, now(), ?) ON CONFLICT (name) DO UPDATE"
        + " SET record = EXCLUDED.record, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by")) {
      s.setString(1, name);
      s.setString(2, GSON.toJson(json));
      s.setString(3, NodeLocks.here());
      s.executeUpdate();
    }
  }

  /** The record of {@code name} with what it inherits, from one query for it and its ancestors. */
  private Optional<Node> chain(Connection c, String name) throws SQLException {
    Map<String, Node> raw = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement(CHAIN)) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          raw.putIfAbsent(r.getString(1), read(r.getString(1), r.getString(2)));
        }
      }
    }
    return raw.containsKey(name) ? Optional.of(resolve(name, raw, new HashMap<>(), new LinkedHashSet<>()))
        : Optional.empty();
  }

  private Node resolve(String name, Map<String, Node> raw, Map<String, Node> done, Set<String> seen) {
    Node known = done.get(name);
    if (known != null) {
      return known;
    }
    Node node = raw.get(name);
    if (!seen.add(name)) {
      throw new ConfigurationException(null, "inherit", "in " + at + ", inheritance loops back to itself: "
          + String.join(" -> ", seen) + " -> " + name + "; remove one 'inherit'");
    }
    if (node.parent().isPresent()) {
      String parentName = node.parent().get();
      if (!raw.containsKey(parentName)) {
        throw new ConfigurationException(null, "inherit", "the record of node '" + name + "' in " + at
            + " names node '" + parentName + "', which has no record; create it or fix the name");
      }
      node = NodeJson.resolve(node, resolve(parentName, raw, done, seen));
    }
    done.put(name, node);
    return node;
  }

  private Node read(String name, String text) {
    try {
      return NodeJson.read(name, Json.parseObject(text, null), null);
    } catch (ConfigurationException e) {
      ConfigurationException named = new ConfigurationException(null, e.field().orElse(null), "the record of node '"
          + name + "' in " + at + ": " + e.problem());
      named.initCause(e);
      throw named;
    }
  }

  @Override
  public Lock lock(Collection<String> names, Duration wait) {
    Instant start = Instant.now();
    Instant deadline = NodeLocks.deadline(wait);
    TreeSet<String> sorted = new TreeSet<>(names);
    Connection c;
    try {
      c = direct.getConnection(); // a session of its own: its locks go when it ends, whatever ends it
    } catch (SQLException e) {
      throw PgErrors.translate(e, at, "locking nodes " + sorted);
    }
    try {
      // PostgreSQL's lock table is shared and bounded (64 per connection by default), so a batch of many
      // nodes locks the whole store instead; every smaller lock holds the store's lock shared, then its nodes.
      boolean wholeStore = sorted.size() > WHOLE_STORE_ABOVE;
      if (!sorted.isEmpty()) {
        take(c, lockPrefix + "store", wholeStore, sorted.first(), start, deadline);
      }
      if (!wholeStore) {
        for (String name : sorted) {
          take(c, lockPrefix + "node/" + name, true, name, start, deadline);
        }
      }
    } catch (SQLException e) {
      close(c);
      throw PgErrors.translate(e, at, "locking nodes " + sorted);
    } catch (InterruptedException e) {
      close(c);
      Thread.currentThread().interrupt();
      throw new VmException("Interrupted while waiting for the locks of nodes " + sorted + "; nothing was changed.", e);
    } catch (RuntimeException e) {
      close(c);
      throw e;
    }
    sorted.forEach(name -> lockSessions.put(name, c));
    return () -> {
      sorted.forEach(name -> lockSessions.remove(name, c));
      close(c);
    };
  }

  /**
   * Refuses to write the record of a node this client has locked when the session holding the lock has
   * ended (the network dropped it, or the server restarted): PostgreSQL released the lock with it, and
   * another host may hold it now.
   */
  private void checkStillLocked(String name) {
    Connection session = lockSessions.get(name);
    if (session == null) {
      return;
    }
    boolean alive;
    synchronized (session) {
      try {
        alive = session.isValid(10);
      } catch (SQLException e) {
        alive = false;
      }
    }
    if (!alive) {
      throw new VmException("The lock of node " + name + " was lost: the connection to the node store " + at
          + " that held it ended, and PostgreSQL released the lock with it. Nothing was written; run the command"
          + " again.");
    }
  }

  /** Takes the advisory lock {@code key} in this session, polling until {@code deadline}. */
  private void take(Connection c, String key, boolean exclusive, String node, Instant start, Instant deadline)
      throws SQLException, InterruptedException {
    String sql = exclusive ? "SELECT pg_try_advisory_lock(hashtextextended(?, 0))"
        : "SELECT pg_try_advisory_lock_shared(hashtextextended(?, 0))";
    long pause = 5;
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, key);
      while (true) {
        try (ResultSet r = s.executeQuery()) {
          r.next();
          if (r.getBoolean(1)) {
            return;
          }
        }
        if (!Instant.now().isBefore(deadline)) {
          throw new NodeLockedException(node, holder(c, key), Duration.between(start, Instant.now()));
        }
        Thread.sleep(pause);
        pause = Math.min(pause * 2, 100);
      }
    }
  }

  /** Who holds the lock {@code key}: the holder's application name (process and host) and since when. */
  private String holder(Connection c, String key) {
    try (PreparedStatement s = c.prepareStatement("SELECT a.application_name, host(a.client_addr), a.backend_start"
        + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
        + " AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(?, 0)"
        + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        + " AND l.pid <> pg_backend_pid() ORDER BY l.mode DESC LIMIT 1")) {
      s.setString(1, key);
      try (ResultSet r = s.executeQuery()) {
        if (r.next() && r.getString(1) != null && !r.getString(1).isBlank()) {
          return r.getString(1).replaceFirst("^flotilla ", "") + (r.getString(2) == null ? "" : " (from "
              + r.getString(2) + ")") + ", connected since " + r.getTimestamp(3).toInstant();
        }
      }
    } catch (SQLException e) {
      // who it is is a courtesy; the lock is held all the same
    }
    return "another client of " + at;
  }

  private static void close(Connection c) {
    try {
      c.close(); // ends the session, and with it every lock it holds
    } catch (SQLException e) {
      // a session that cannot be closed is gone already, and its locks with it
    }
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // the connection is broken: PostgreSQL rolls the transaction back itself
    }
  }

  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T withConnection(String doing, SqlWork<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw PgErrors.translate(e, at, doing);
    }
  }

  /** Closes the store's connections; records stay. */
  @Override
  public void close() {
    pool.close();
  }

  @Override
  public String toString() {
    return "PostgresNodeStore{" + at + "}";
  }
}
