package dev.flotilla.vm.store.postgresql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * The PostgreSQL that real-db/up.sh started: its store URL and pgpass file, read from the env file it wrote
 * ({@code -Dpostgresql.env}, default /tmp/flotilla-postgresql/env). Each test takes a schema of its own.
 */
final class TestDatabase {
  private static final Map<String, String> ENV = read();

  private TestDatabase() {}

  private static Map<String, String> read() {
    Path file = Path.of(System.getProperty("postgresql.env", "/tmp/flotilla-postgresql/env"));
    Map<String, String> out = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + " is missing: start PostgreSQL with vm-store-postgresql/real-db/up.sh"
          + " (vm-store-postgresql/real-db/test.sh does, runs these tests and stops it)", e);
    }
    // the driver reads the pgpass file from here when the process's environment does not name it
    System.setProperty("org.postgresql.pgpassfile", out.get("PGPASSFILE"));
    return out;
  }

  /** postgresql://flotilla@127.0.0.1:PORT/flotilla */
  static String url() {
    return ENV.get("FLOTILLA_TEST_STORE");
  }

  /** The URL with a schema no other test uses. */
  static String freshSchemaUrl() {
    return url() + "?schema=t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /** The environment a client of the test database has. */
  static Map<String, String> env() {
    return Map.of("PGPASSFILE", ENV.get("PGPASSFILE"));
  }

  /** A plain connection, to look at or tamper with what the store wrote. */
  static Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "flotilla");
    return DriverManager.getConnection(url().replace("postgresql://flotilla@", "jdbc:postgresql://"), p);
  }
}
