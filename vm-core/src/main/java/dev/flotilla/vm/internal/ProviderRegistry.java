package dev.flotilla.vm.internal;

import dev.flotilla.vm.NoSuchProviderException;
import dev.flotilla.vm.spi.ProviderFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The provider factories on a class path, found with {@link ServiceLoader} and keyed by api id. Problems
 * (none installed, an unknown id, two factories for one id, a factory that fails to load) are reported
 * when a provider is asked for, with what was found and how to fix it.
 */
public final class ProviderRegistry {
  private static final String MODULES = "dev.flotilla:vm-aws (api aws), dev.flotilla:vm-openstack (api openstack),"
      + " dev.flotilla:vm-stratuslab (api stratuslab), dev.flotilla:vm-cloudstack (api cloudstack) or"
      + " dev.flotilla:vm-testkit (api fake)";

  private final Map<String, List<ProviderFactory>> byId;
  private final List<String> loadErrors;

  private ProviderRegistry(Map<String, List<ProviderFactory>> byId, List<String> loadErrors) {
    this.byId = byId;
    this.loadErrors = loadErrors;
  }

  /** The factories visible to {@code loader}. */
  public static ProviderRegistry load(ClassLoader loader) {
    Map<String, List<ProviderFactory>> byId = new TreeMap<>();
    List<String> errors = new ArrayList<>();
    var iterator = ServiceLoader.load(ProviderFactory.class, loader).iterator();
    while (true) {
      try {
        if (!iterator.hasNext()) {
          break;
        }
        ProviderFactory f = iterator.next();
        byId.computeIfAbsent(f.id(), k -> new ArrayList<>()).add(f);
      } catch (ServiceConfigurationError e) {
        errors.add(e.getMessage());
      }
    }
    return new ProviderRegistry(byId, errors);
  }

  /** The installed api ids, sorted. */
  public List<String> ids() {
    return List.copyOf(byId.keySet());
  }

  /**
   * The one factory for {@code id}.
   *
   * @throws NoSuchProviderException when none or several answer to it; the message lists what is
   *     installed and which module to add or remove
   */
  public ProviderFactory get(String id) {
    List<ProviderFactory> found = byId.getOrDefault(id, List.of());
    if (found.size() == 1) {
      return found.get(0);
    }
    if (found.size() > 1) {
      List<String> classes = new ArrayList<>();
      for (ProviderFactory f : found) {
        classes.add(f.getClass().getName() + " (" + where(f.getClass()) + ")");
      }
      throw new NoSuchProviderException("Several providers claim api '" + id + "': " + String.join(", ", classes)
          + ". Keep only one of them on the class path (check for two versions of one module).");
    }
    String brokenNote = loadErrors.isEmpty() ? "" : " Some providers failed to load: " + String.join("; ", loadErrors) + ".";
    if (byId.isEmpty()) {
      throw new NoSuchProviderException("No Flotilla provider is installed, so api '" + id + "' cannot be used."
          + " Add one of " + MODULES + " as a dependency." + brokenNote);
    }
    throw new NoSuchProviderException("No provider for api '" + id + "'. Installed: " + describeInstalled()
        + ". Fix the profile's api, or add the module that provides it (" + MODULES + ")." + brokenNote);
  }

  private String describeInstalled() {
    List<String> out = new ArrayList<>();
    byId.forEach((k, v) -> out.add(k + " (" + v.get(0).description() + ")"));
    return String.join(", ", out);
  }

  private static String where(Class<?> c) {
    var source = c.getProtectionDomain().getCodeSource();
    return source == null || source.getLocation() == null ? "unknown location" : source.getLocation().toString();
  }

  /** The messages of factories that failed to load. */
  public List<String> loadErrors() {
    return Collections.unmodifiableList(loadErrors);
  }
}
