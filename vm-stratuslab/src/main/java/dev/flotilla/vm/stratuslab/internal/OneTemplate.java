package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Node;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The OpenNebula template {@code stratus-run-instance} builds: CPU, VCPU and MEMORY from the instance type
 * or the node's overrides, the image disk from a Marketplace id or URL, a swap disk, a NIC on the public,
 * local or private network, and a CONTEXT with the SSH key and the cloud-init user data.
 */
public final class OneTemplate {
  /** What a Marketplace image id looks like. */
  public static final Pattern MARKETPLACE_ID = Pattern.compile("^[A-Za-z0-9_-]{27}$");

  private OneTemplate() {}

  /**
   * The template for the VM of node {@code name}.
   *
   * @param spec the node's launch specification
   * @param type its instance type (overrides from {@code spec} win)
   * @param image a Marketplace id or an image URL
   * @param marketplace the Marketplace metadata URL ids are appended to
   * @param network public, local or private
   * @param publicKey the SSH public key to install, or null
   * @param tags the tags the VM carries
   */
  public static String build(String name, Node spec, InstanceType type, String image, String marketplace,
      String network, String publicKey, Map<String, String> tags) {
    StringBuilder t = new StringBuilder();
    int cpus = spec.cpus().orElse(type.cpus());
    int memory = spec.memoryMb().orElse(type.memoryMb());
    int swap = spec.swapMb().orElse(type.swapMb());
    line(t, "NAME", quote(name));
    line(t, "CPU", Integer.toString(cpus));
    line(t, "VCPU", Integer.toString(cpus));
    line(t, "MEMORY", Integer.toString(memory));
    line(t, "INSTANCE_TYPE", quote(type.name()));
    line(t, "DISK", "[ SOURCE = " + quote(imageSource(image, marketplace)) + ", TARGET = \"vda\" ]");
    if (swap > 0) {
      line(t, "DISK", "[ TYPE = \"swap\", SIZE = " + swap + ", TARGET = \"vdb\" ]");
    }
    line(t, "NIC", "[ NETWORK = " + quote(network) + " ]");
    StringBuilder context = new StringBuilder("[ TARGET = \"hdc\"");
    if (publicKey != null && !publicKey.isBlank()) {
      context.append(", PUBLIC_KEY = ").append(quote(publicKey.trim()));
    }
    spec.userData().ifPresent(u -> context.append(", USER_DATA = ")
        .append(quote(Base64.getEncoder().encodeToString(u.getBytes(StandardCharsets.UTF_8))))
        .append(", USER_DATA_ENCODING = \"base64\""));
    line(t, "CONTEXT", context.append(" ]").toString());
    line(t, OneVm.TAGS, quote(OneVm.encode(tags)));
    spec.options().forEach((k, v) -> {
      if (!k.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new ConfigurationException(null, "vm.options." + k, "is not a valid OpenNebula template attribute name;"
            + " use letters, digits and '_'");
      }
      line(t, k.toUpperCase(java.util.Locale.ROOT), quote(v));
    });
    return t.toString();
  }

  /** The disk source for an image: the Marketplace metadata URL of an id, or the URL itself. */
  static String imageSource(String image, String marketplace) {
    if (image == null) {
      throw new ConfigurationException(null, "image", "no image given and the profile has no default_image; give a"
          + " Marketplace image id (27 letters, digits, '_' or '-') or an image URL");
    }
    if (MARKETPLACE_ID.matcher(image).matches()) {
      return marketplace + image;
    }
    if (image.startsWith("http://") || image.startsWith("https://")) {
      return image;
    }
    throw new ConfigurationException(null, "image", "'" + image + "' is neither a Marketplace image id (27 letters,"
        + " digits, '_' or '-', such as GJ5vp8gIxhZ1w1MQF19R7dHNMo5) nor an http(s) URL of an image");
  }

  private static void line(StringBuilder t, String key, String value) {
    t.append(key).append(" = ").append(value).append('\n');
  }

  /** A template string: double quotes, with backslashes and quotes escaped. */
  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
