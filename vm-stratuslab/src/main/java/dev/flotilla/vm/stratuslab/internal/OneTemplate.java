package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Node;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The OpenNebula template {@code stratus-run-instance} builds: CPU, VCPU and MEMORY from the instance type
 * or the node's overrides, the image disk (a Marketplace id or URL on StratusLab, an image id or name on
 * OpenNebula), a volatile swap disk, a NIC on the profile's virtual network (StratusLab's public, local or
 * private), and a CONTEXT with the SSH key and the cloud-init user data.
 */
public final class OneTemplate {
  /** The {@code network} setting that leaves the NIC out. */
  public static final String NO_NETWORK = "none";

  /** What a Marketplace image id looks like. */
  public static final Pattern MARKETPLACE_ID = Pattern.compile("^[A-Za-z0-9_-]{27}$");

  private OneTemplate() {}

  /**
   * The template for the VM of node {@code name}.
   *
   * @param spec the node's launch specification
   * @param type its instance type (overrides from {@code spec} win)
   * @param image an image id or name, a Marketplace id or an image URL
   * @param marketplace the Marketplace metadata URL ids are appended to
   * @param network a virtual network's name or id, or {@code none}
   * @param publicKey the SSH public key to install, or null
   * @param tags the tags the VM carries
   * @param version the server's OpenNebula version
   */
  public static String build(String name, Node spec, InstanceType type, String image, String marketplace,
      String network, String publicKey, Map<String, String> tags, OneApi.Version version) {
    Map<String, List<String>> t = new LinkedHashMap<>();
    int cpus = spec.cpus().orElse(type.cpus());
    int memory = spec.memoryMb().orElse(type.memoryMb());
    int swap = spec.swapMb().orElse(type.swapMb());
    add(t, "NAME", quote(name));
    add(t, "CPU", Integer.toString(cpus));
    add(t, "VCPU", Integer.toString(cpus));
    add(t, "MEMORY", Integer.toString(memory));
    add(t, "INSTANCE_TYPE", quote(type.name()));
    add(t, "DISK", imageDisk(image, marketplace, version));
    if (swap > 0) {
      add(t, "DISK", "[ TYPE = \"swap\", SIZE = " + swap + ", TARGET = \"vdb\" ]");
    }
    if (!network.equals(NO_NETWORK)) {
      add(t, "NIC", "[ " + (network.matches("\\d{1,9}") ? "NETWORK_ID" : "NETWORK") + " = " + quote(network) + " ]");
    }
    StringBuilder context = new StringBuilder("[ TARGET = \"hdc\"");
    if (publicKey != null && !publicKey.isBlank()) {
      context.append(", PUBLIC_KEY = ").append(quote(publicKey.trim()));
    }
    spec.userData().ifPresent(u -> context.append(", USER_DATA = ")
        .append(quote(Base64.getEncoder().encodeToString(u.getBytes(StandardCharsets.UTF_8))))
        .append(", USER_DATA_ENCODING = \"base64\""));
    add(t, "CONTEXT", context.append(" ]").toString());
    add(t, OneVm.TAGS, quote(OneVm.encode(tags)));
    // an option names a template attribute: it replaces what Flotilla would write (CPU = "0.5", a DISK vector)
    spec.options().forEach((k, v) -> {
      String key = k.toUpperCase(Locale.ROOT);
      if (!k.matches("[A-Za-z_][A-Za-z0-9_]*") || key.equals("NAME") || key.startsWith("FLOTILLA_")) {
        throw new ConfigurationException(null, "vm.options." + k, key.equals("NAME") || key.startsWith("FLOTILLA_")
            ? "is written by Flotilla (the node's name and binding); leave it out"
            : "is not a valid OpenNebula template attribute name; use letters, digits and '_'");
      }
      if (v.chars().anyMatch(c -> c == '\n' || c == '\r')) {
        throw new ConfigurationException(null, "vm.options." + k, "holds a line break; an OpenNebula template value"
            + " is one line");
      }
      boolean vector = v.startsWith("[") && v.endsWith("]") && v.indexOf('[', 1) < 0 && v.indexOf(']') == v.length() - 1;
      t.put(key, new ArrayList<>(List.of(vector ? v : quote(v))));
    });
    StringBuilder out = new StringBuilder();
    t.forEach((k, values) -> values.forEach(v -> out.append(k).append(" = ").append(v).append('\n')));
    return out.toString();
  }

  private static void add(Map<String, List<String>> t, String key, String value) {
    t.computeIfAbsent(key, x -> new ArrayList<>()).add(value);
  }

  /**
   * The image disk: a StratusLab Marketplace id or an image URL is the disk's SOURCE (as stratus-run-instance
   * writes it); a number is an OpenNebula image id, and a name (or {@code OWNER/NAME}) an image of the
   * user's (or OWNER's) pool, as {@code vm images} lists them.
   */
  static String imageDisk(String image, String marketplace, OneApi.Version version) {
    if (image == null || image.isBlank()) {
      throw new ConfigurationException(null, "image", "no image given and the profile has no default_image; give an"
          + " image id or name from 'vm images', a Marketplace image id (27 letters, digits, '_' or '-') or an image URL");
    }
    boolean url = image.startsWith("http://") || image.startsWith("https://");
    if (MARKETPLACE_ID.matcher(image).matches() || url) {
      if (version.atLeast(6, 0)) {
        // oned 6 and later refuse a disk that is only a SOURCE ("Unknown disk type")
        throw new ConfigurationException(null, "image", "'" + image + "' is a StratusLab " + (url ? "image URL" : "Marketplace"
            + " id") + ", which OpenNebula " + version + " cannot boot; give an image id or name from 'vm images'");
      }
      return "[ SOURCE = " + quote(url ? image : marketplace + image) + ", TARGET = \"vda\" ]";
    }
    if (image.matches("\\d{1,9}")) {
      return "[ IMAGE_ID = " + quote(image) + " ]";
    }
    if (image.chars().anyMatch(Character::isISOControl) || image.contains("://")) {
      throw new ConfigurationException(null, "image", "'" + image + "' is not an image id, name, Marketplace id or"
          + " http(s) URL; see 'vm images'");
    }
    int slash = image.indexOf('/');
    return slash > 0 && slash < image.length() - 1
        ? "[ IMAGE = " + quote(image.substring(slash + 1)) + ", IMAGE_UNAME = " + quote(image.substring(0, slash)) + " ]"
        : "[ IMAGE = " + quote(image) + " ]";
  }

  /** A template string: double quotes, with backslashes and quotes escaped. */
  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
