package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProfileTest {
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

  private static Profile aws() {
    return Profile.builder("aws-prod", "aws").vendor("aws").region("eu-west-1")
        .credentials("AKIAIOSFODNN7EXAMPLE", Secret.of(SECRET)).defaultImage("ami-0abc")
        .defaultOption("InstanceType", "t3.small").setting("project", "ops")
        .secretSetting("keystore_password", Secret.of("kspass-123")).build();
  }

  @Test
  void neverShowsSecrets() {
    String s = aws().toString();
    assertThat(s).doesNotContain(SECRET).doesNotContain("kspass-123").contains("****")
        .contains("AKIAIOSFODNN7EXAMPLE").contains("eu-west-1");
    assertThat(Secret.of(SECRET).toString()).isEqualTo("****");
    assertThat(aws().secret().map(Secret::reveal)).contains(SECRET);
  }

  @Test
  void valuesAndEquality() {
    Profile p = aws();
    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
    assertThat(p.toBuilder().region("us-east-1").build()).isNotEqualTo(p);
    assertThat(p.setting("project")).contains("ops");
    assertThat(p.defaultOptions()).containsEntry("InstanceType", "t3.small");
    assertThatThrownBy(() -> p.settings().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void needsANameAndAnApi() {
    assertThatThrownBy(() -> Profile.builder("", "aws").build()).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("needs a name");
    assertThatThrownBy(() -> Profile.builder("p1", null).build()).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("profiles.p1.api").hasMessageContaining("aws, openstack, stratuslab or fake");
  }
}
