package dev.flotilla.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.NoSuchProviderException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.ProviderFactory;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderRegistryTest {
  @TempDir
  Path dir;

  /** A class loader that sees exactly the given factory classes as services. */
  private ClassLoader loaderWith(String... classNames) throws IOException {
    Path services = dir.resolve("META-INF/services");
    Files.createDirectories(services);
    Files.writeString(services.resolve(ProviderFactory.class.getName()), String.join("\n", classNames) + "\n");
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void findsFactoriesById() throws IOException {
    ProviderRegistry registry = ProviderRegistry.load(loaderWith(Alpha.class.getName(), Beta.class.getName()));
    assertThat(registry.ids()).containsExactly("alpha", "beta");
    assertThat(registry.get("beta")).isInstanceOf(Beta.class);
  }

  @Test
  void noProviderAtAllSaysWhichModulesToAdd() throws IOException {
    ProviderRegistry registry = ProviderRegistry.load(loaderWith());
    assertThatThrownBy(() -> registry.get("aws")).isInstanceOf(NoSuchProviderException.class)
        .hasMessageContaining("No Flotilla provider is installed")
        .hasMessageContaining("api 'aws'")
        .hasMessageContaining("dev.flotilla:vm-aws")
        .hasMessageContaining("dev.flotilla:vm-testkit (api fake)");
  }

  @Test
  void anUnknownIdListsWhatIsInstalled() throws IOException {
    ProviderRegistry registry = ProviderRegistry.load(loaderWith(Alpha.class.getName(), Beta.class.getName()));
    assertThatThrownBy(() -> registry.get("ec2")).isInstanceOf(NoSuchProviderException.class)
        .hasMessageContaining("No provider for api 'ec2'")
        .hasMessageContaining("Installed: alpha (the alpha cloud), beta (the beta cloud)")
        .hasMessageContaining("Fix the profile's api");
  }

  @Test
  void twoProvidersForOneIdAreNamedWithWhereTheyCameFrom() throws IOException {
    ProviderRegistry registry = ProviderRegistry.load(loaderWith(Alpha.class.getName(), AlphaAgain.class.getName()));
    assertThatThrownBy(() -> registry.get("alpha")).isInstanceOf(NoSuchProviderException.class)
        .hasMessageContaining("Several providers claim api 'alpha'")
        .hasMessageContaining(Alpha.class.getName())
        .hasMessageContaining(AlphaAgain.class.getName())
        .hasMessageContaining("Keep only one");
  }

  @Test
  void aFactoryThatFailsToLoadIsReportedNotHidden() throws IOException {
    ProviderRegistry registry = ProviderRegistry.load(loaderWith("com.example.Missing", Alpha.class.getName()));
    assertThat(registry.ids()).containsExactly("alpha");
    assertThat(registry.loadErrors()).singleElement().asString().contains("com.example.Missing");
    assertThatThrownBy(() -> registry.get("gamma")).hasMessageContaining("failed to load")
        .hasMessageContaining("com.example.Missing");
  }

  @Test
  void aClientOpensProfilesThroughTheRegistryOnlyWhenFirstUsed() throws IOException {
    Alpha.opened = 0;
    VmClient client = VmClient.builder().classLoader(loaderWith(Alpha.class.getName()))
        .profile(Profile.builder("a1", "alpha").build()).build();
    assertThat(Alpha.opened).isZero();
    client.close();

    VmClient unknown = VmClient.builder().classLoader(loaderWith(Alpha.class.getName()))
        .profile(Profile.builder("x", "nope").build()).build();
    assertThatThrownBy(() -> unknown.list()).isInstanceOf(NoSuchProviderException.class)
        .hasMessageContaining("No provider for api 'nope'").hasMessageContaining("alpha");
  }

  /** A factory for tests. */
  public static class Alpha implements ProviderFactory {
    static int opened;

    @Override
    public String id() {
      return "alpha";
    }

    @Override
    public String description() {
      return "the " + id() + " cloud";
    }

    @Override
    public Provider open(Profile profile) {
      opened++;
      throw new UnsupportedOperationException("not needed by these tests");
    }
  }

  /** A second factory claiming the same id. */
  public static class AlphaAgain extends Alpha {}

  /** Another factory. */
  public static class Beta extends Alpha {
    @Override
    public String id() {
      return "beta";
    }
  }
}
