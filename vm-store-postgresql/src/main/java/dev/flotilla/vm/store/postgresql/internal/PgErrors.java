package dev.flotilla.vm.store.postgresql.internal;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.VmException;
import java.sql.SQLException;

/**
 * What a PostgreSQL failure means to someone running Flotilla, in one line that names the store and says
 * what to do. Passwords never appear: the driver's messages hold none, and the store is shown without it.
 */
public final class PgErrors {
  private PgErrors() {}

  /**
   * The exception to throw for {@code e}, met while {@code doing} (such as "reading the record of node web1").
   * Nothing is ever half-written: every change is one transaction.
   */
  public static VmException translate(SQLException e, PgLocation at, String doing) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String message = firstLine(e.getMessage());
    switch (state) {
      case "28P01", "28000" -> {
        return caused(e, "PostgreSQL at " + at + " refused user '" + at.user()
            + "' (" + message + "); put the right password in PGPASSWORD or in a ~/.pgpass line "
            + at.host() + ":" + at.port() + ":" + at.database() + ":" + at.user() + ":PASSWORD (mode 600)");
      }
      case "3D000" -> {
        return caused(e, "database '" + at.database() + "' does not exist at " + at.host()
            + ":" + at.port() + "; create it (createdb -O " + at.user() + " " + at.database() + ") or fix the store URL");
      }
      case "42501" -> {
        return caused(e, "user '" + at.user() + "' may not do this in schema '"
            + at.schema() + "' of " + at + " (" + message + "); make it the owner of the database or schema");
      }
      case "08004" -> {
        return caused(e, "PostgreSQL at " + at + " asks user '" + at.user()
            + "' for a password and none was found; set PGPASSWORD or add a ~/.pgpass line " + at.host() + ":"
            + at.port() + ":" + at.database() + ":" + at.user() + ":PASSWORD (mode 600)");
      }
      case "55P03" -> {
        return new VmException("The node store " + at + " could not write while " + doing + ": another session has"
            + " held that record for longer than the store waits (pg_stat_activity shows which, and since when);"
            + " nothing was changed. Try again once it has ended.", e);
      }
      default -> {
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P03")) {
          return new VmException("Cannot reach the node store " + at + " while " + doing + ": " + message
              + ". Is PostgreSQL running and listening there? Nothing was changed.", e);
        }
        return new VmException("The node store " + at + " failed while " + doing + ": " + message
            + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")") + ". Nothing was changed.", e);
      }
    }
  }

  private static ConfigurationException caused(SQLException e, String problem) {
    ConfigurationException c = new ConfigurationException(null, "store", problem);
    c.initCause(e);
    return c;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no message";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim().replaceFirst("\\.+$", "");
  }
}
