package dev.flotilla.vm.store.postgresql.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.ConfigurationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgLocationTest {
  private static final Map<String, String> NO_ENV = Map.of("PGPASSWORD", "from-env");

  @Test
  void aFullUrlGivesHostPortDatabaseUserAndSchema() {
    PgLocation at = PgLocation.parse("postgresql://ops@db.example.org:6432/records?schema=team_a&sslmode=require",
        NO_ENV);
    assertThat(at.toString()).isEqualTo("postgresql://ops@db.example.org:6432/records?schema=team_a");
    assertThat(at.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.org:6432/records");
    assertThat(at.driverProperties("flotilla test")).containsEntry("user", "ops").containsEntry("currentSchema",
        "team_a").containsEntry("sslmode", "require").containsEntry("password", "from-env")
        .containsEntry("ApplicationName", "flotilla test");
  }

  @Test
  void whatTheUrlLeavesOutComesFromTheLibpqVariables() {
    PgLocation at = PgLocation.parse("postgres://", Map.of("PGHOST", "pg.internal", "PGPORT", "5433",
        "PGDATABASE", "fleet", "PGUSER", "ci", "PGPASSWORD", "pw"));
    assertThat(at.toString()).isEqualTo("postgresql://ci@pg.internal:5433/fleet");
    assertThat(at.hasPassword()).isTrue();
  }

  @Test
  void theDatabaseDefaultsToTheUserAndThePortTo5432() {
    PgLocation at = PgLocation.parse("postgresql://ops@10.0.0.5", NO_ENV);
    assertThat(at.toString()).isEqualTo("postgresql://ops@10.0.0.5:5432/ops");
  }

  @Test
  void aPasswordInTheUrlIsUsedButNeverShown() {
    PgLocation at = PgLocation.parse("postgresql://ops:s3cr%40t@db:5432/fleet", Map.of());
    assertThat(at.driverProperties("x")).containsEntry("password", "s3cr@t");
    assertThat(at.toString()).doesNotContain("s3cr");
    assertThat(PgLocation.redact("postgresql://ops:s3cr3t@db/fleet?password=other")).doesNotContain("s3cr3t")
        .doesNotContain("other").contains("ops:****@db");
  }

  @Test
  void aBadUrlOrSchemaIsRefusedNamingTheStoreWithoutThePassword() {
    assertThatThrownBy(() -> PgLocation.parse("postgresql://ops:hunter2@db:99999999/fleet", Map.of()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("store").hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> PgLocation.parse("postgresql://ops@db/fleet?schema=Robert'); DROP TABLE", NO_ENV))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("schema");
    assertThatThrownBy(() -> PgLocation.parse("mysql://ops@db/fleet", NO_ENV))
        .hasMessageContaining("postgresql://");
    assertThatThrownBy(() -> PgLocation.parse("postgresql:///fleet", Map.of("PGHOST", "/var/run/postgresql")))
        .hasMessageContaining("socket");
  }
}
