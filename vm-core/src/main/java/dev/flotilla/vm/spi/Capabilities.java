package dev.flotilla.vm.spi;

import dev.flotilla.vm.Capability;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** What a provider can do, derived in one place from its facets and the traits it declares. */
public final class Capabilities {
  /** Each operation and the facet that has it. */
  private static final Map<Capability, Function<Provider, Optional<?>>> FACETS = Map.of(
      Capability.SNAPSHOTS, Provider::snapshots,
      Capability.SNAPSHOT_TO_IMAGE, Provider::imageSaving,
      Capability.FLOATING_IP, Provider::addresses,
      Capability.KEY_IMPORT, Provider::keys,
      Capability.CONSOLE_OUTPUT, Provider::console,
      Capability.HARD_REBOOT, Provider::hardReboot,
      Capability.CREATE_STOPPED, Provider::stoppedCreation,
      Capability.RESIZE, Provider::resizing);

  private Capabilities() {}

  /**
   * The traits {@code provider} declares and the operations whose facets it has. An operation it lists among
   * its traits without the facet is left out: the facet decides.
   */
  public static Set<Capability> of(Provider provider) {
    Set<Capability> out = EnumSet.noneOf(Capability.class);
    provider.traits().stream().filter(c -> !c.operation()).forEach(out::add);
    FACETS.forEach((capability, facet) -> {
      if (facet.apply(provider).isPresent()) {
        out.add(capability);
      }
    });
    return Collections.unmodifiableSet(out);
  }

  /** Whether {@code provider} has {@code capability}, asking only the facet or the traits it depends on. */
  public static boolean has(Provider provider, Capability capability) {
    Function<Provider, Optional<?>> facet = FACETS.get(capability);
    return facet != null ? facet.apply(provider).isPresent() : provider.traits().contains(capability);
  }
}
