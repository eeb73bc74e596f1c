package dev.flotilla.vm.store.postgresql.internal;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.VmException;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;

/**
 * The store's tables, made and migrated by Flyway from {@code migration/V*.sql} beside this class; Flyway's
 * history is the table {@code flotilla_schema_history} of the store's schema. A schema that a newer
 * Flotilla migrated further is refused, untouched, rather than used by code that does not know it.
 */
public final class Schema {
  /** The newest migration this Flotilla has; a database beyond it comes from a newer Flotilla. */
  public static final int VERSION = 1;

  private Schema() {}

  /** Brings the schema of {@code at} to {@link #VERSION}, making it the first time. */
  public static void migrate(DataSource dataSource, PgLocation at) {
    if (atVersion(dataSource, at)) {
      return; // as most opens find it: Flyway (its class path scan, its queries) only when there is work
    }
    Flyway flyway = Flyway.configure(Schema.class.getClassLoader()).dataSource(dataSource)
        .schemas(at.schema()).defaultSchema(at.schema()).table("flotilla_schema_history")
        .locations("classpath:dev/flotilla/vm/store/postgresql/migration").failOnMissingLocations(true)
        .loggers("slf4j").load();
    try {
      MigrationInfoService info = flyway.info();
      MigrationInfo current = info.current();
      if (current != null && current.getVersion() != null
          && Integer.parseInt(current.getVersion().getVersion().split("\\.")[0]) > VERSION) {
        throw new ConfigurationException(null, "store", "the node store " + at + " holds schema version "
            + current.getVersion() + ", made by a newer Flotilla; this one knows versions up to " + VERSION
            + ". Upgrade Flotilla on this host; nothing was changed");
      }
      if (info.pending().length > 0) {
        flyway.migrate();
      }
    } catch (FlywayException e) {
      SQLException sql = sqlCause(e);
      if (sql != null) {
        throw PgErrors.translate(sql, at, "preparing its tables");
      }
      throw new VmException("Cannot prepare the tables of the node store " + at + ": " + e.getMessage().lines()
          .findFirst().orElse("") + ". Nothing was changed.", e);
    }
  }

  /** Whether Flyway's history says the schema is at {@link #VERSION}: one query; false when it cannot tell. */
  private static boolean atVersion(DataSource dataSource, PgLocation at) {
    String schema = "\"" + at.schema().replace("\"", "\"\"") + "\"";
    try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement();
        java.sql.ResultSet r = s.executeQuery("SELECT version FROM " + schema + ".flotilla_schema_history"
            + " WHERE success AND version IS NOT NULL")) {
      int newest = 0;
      while (r.next()) {
        newest = Math.max(newest, Integer.parseInt(r.getString(1).split("\\.")[0]));
      }
      return newest == VERSION;
    } catch (SQLException | RuntimeException e) {
      return false; // no history yet, or one this code cannot read: Flyway decides
    }
  }

  private static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        return s;
      }
    }
    return null;
  }
}
