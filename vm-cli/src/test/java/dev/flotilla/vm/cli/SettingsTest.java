package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.internal.ProviderRegistry;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.spi.ProviderFactory;
import dev.flotilla.vm.store.CloudConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every setting a provider documents is accepted in cloud.json where it is documented; bad values are named. */
class SettingsTest {
  private static final Map<String, String> REQUIRED = Map.of(
      "aws", "\"region\": \"us-east-1\", \"aws_access_key_id\": \"AKIA\", \"aws_secret_access_key\": \"s\"",
      "openstack", "\"auth_url\": \"https://k.example.org:5000/v3\", \"username\": \"u\", \"password\": \"p\"",
      "stratuslab", "\"endpoint\": \"cloud.example.org\", \"username\": \"u\", \"password\": \"p\"");

  @TempDir
  Path dir;

  @Test
  void everyDocumentedSettingOfEveryInstalledProviderIsAcceptedInCloudJson() throws Exception {
    ProviderRegistry registry = ProviderRegistry.load(getClass().getClassLoader());
    assertThat(registry.ids()).contains("aws", "openstack", "stratuslab");
    for (String api : REQUIRED.keySet()) {
      ProviderFactory factory = registry.get(api);
      StringBuilder auth = new StringBuilder(REQUIRED.get(api));
      factory.settings().keySet().forEach(k -> auth.append(", \"").append(k).append("\": \"1\""));
      Transport.SETTINGS.forEach(k -> auth.append(", \"").append(k).append("\": \"30\""));
      Path file = dir.resolve(api + ".json");
      Files.writeString(file, "{\"p\": {\"api\": \"" + api + "\", \"auth\": {" + auth + "}}}");

      Profile p = CloudConfig.load(file).profiles().get(0);
      for (String k : factory.settings().keySet()) {
        assertThat(p.setting(k).isPresent() || p.secretSettings().containsKey(k)).as(api + " " + k).isTrue();
      }
      assertThat(Transport.of(p)).isEqualTo(new Transport(java.time.Duration.ofSeconds(30),
          java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(30)));
    }
  }

  @Test
  void badDeadlinesAndEndpointsAreNamedWithTheirField() {
    Profile aws = Profile.builder("ec2", "aws").region("us-east-1").credentials("AKIA", dev.flotilla.vm.Secret.of("s"))
        .setting("idle_timeout", "soon").build();
    assertThatThrownBy(() -> ProviderRegistry.load(getClass().getClassLoader()).get("aws").open(aws))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("profiles.ec2.auth.idle_timeout")
        .hasMessageContaining("'soon'");
    Profile ftp = aws.toBuilder().setting("idle_timeout", "5").endpoint("ftp://ec2.example.org").build();
    assertThatThrownBy(() -> ProviderRegistry.load(getClass().getClassLoader()).get("aws").open(ftp))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("profiles.ec2.auth.endpoint")
        .hasMessageContaining("not an http:// or https:// URL");
    Profile file = Profile.builder("lal", "stratuslab").endpoint("file:///etc/passwd")
        .credentials("u", dev.flotilla.vm.Secret.of("p")).build();
    assertThatThrownBy(() -> ProviderRegistry.load(getClass().getClassLoader()).get("stratuslab").open(file))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("profiles.lal.auth.endpoint");
  }
}
