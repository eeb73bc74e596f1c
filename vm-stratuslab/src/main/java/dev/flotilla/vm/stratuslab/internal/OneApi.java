package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.support.SafeXml;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Image;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;

/**
 * OpenNebula's XML-RPC API as StratusLab serves it: every call takes the session string first and answers
 * {@code [true, result, 0]} or {@code [false, message, code]}; failures become classified errors.
 */
public final class OneApi {
  /** An OpenNebula version, such as 3.2 or 6.8. */
  public record Version(int major, int minor) {
    /** Whether this is {@code major.minor} or later. */
    public boolean atLeast(int otherMajor, int otherMinor) {
      return major > otherMajor || major == otherMajor && minor >= otherMinor;
    }

    /** Reads {@code 3.2.1}, {@code 6.8}, {@code 5}. */
    public static Version parse(String text) {
      String[] parts = text.trim().split("\\.");
      try {
        return new Version(Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
      } catch (NumberFormatException e) {
        throw new dev.flotilla.vm.ConfigurationException(null, "opennebula_version", "'" + text + "' is not a version"
            + " such as 3.2 or 6.8");
      }
    }

    @Override
    public String toString() {
      return major + "." + minor;
    }
  }

  private final XmlRpcClient rpc;
  private final String session;
  private final String api;
  private volatile Version version;
  private volatile boolean extendedPool = true;
  private volatile boolean infoSet = true;

  /**
   * @param rpc the XML-RPC client
   * @param session the session string, {@code user:password}
   * @param version the server's version, or null to ask it on first need
   * @param api the provider's api id, for errors
   */
  public OneApi(XmlRpcClient rpc, String session, Version version, String api) {
    this.rpc = rpc;
    this.session = session;
    this.version = version;
    this.api = api;
  }

  /** Where calls go. */
  public java.net.URI endpoint() {
    return rpc.endpoint();
  }

  /** The server's OpenNebula version: the profile's setting, else asked once with one.system.version. */
  public Version version() {
    Version v = version;
    if (v == null) {
      v = Version.parse(String.valueOf(result("one.system.version", rpc.call("one.system.version", session))));
      version = v;
    }
    return v;
  }

  /** The action that destroys at once: {@code finalize} before OpenNebula 5, {@code terminate-hard} since. */
  public String killAction() {
    return version().atLeast(5, 0) ? "terminate-hard" : "finalize";
  }

  /** The action that shuts down and then destroys: {@code shutdown} before OpenNebula 5, {@code terminate} since. */
  public String shutdownAction() {
    return version().atLeast(5, 0) ? "terminate" : "shutdown";
  }

  /** Allocates a VM from {@code template}, on HOLD (not scheduled until released) if {@code hold}; its id. */
  public String allocate(String template, boolean hold) {
    Object id = version().atLeast(4, 0)
        ? result("one.vm.allocate", rpc.call("one.vm.allocate", session, template, hold))
        : result("one.vm.allocate", rpc.call("one.vm.allocate", session, template));
    return String.valueOf(id);
  }

  /** The VM with {@code id}; empty when the server does not know it. */
  public Optional<OneVm> info(String id) {
    Integer number = number(id);
    if (number == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(OneVm.parse(text("one.vm.info", rpc.call("one.vm.info", session, number)), api).get(0));
    } catch (CloudException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Every VM of the user that is not DONE, in one call. Since OpenNebula 5.10 {@code one.vmpool.info} leaves
   * out the user template (and with it the tags), so servers of version 5 and later are asked with
   * {@code one.vmpool.infoextended}, and with {@code one.vmpool.info} only when they do not have it.
   */
  public List<OneVm> pool() {
    if (extendedPool && version().atLeast(5, 0)) {
      try {
        return OneVm.parse(text("one.vmpool.infoextended", rpc.call("one.vmpool.infoextended", session, -3, -1, -1, -1)),
            api);
      } catch (CloudException e) {
        if (!OneErrors.noSuchMethod(e)) {
          throw e;
        }
        extendedPool = false;
      }
    }
    return OneVm.parse(text("one.vmpool.info", rpc.call("one.vmpool.info", session, -3, -1, -1, -1)), api);
  }

  /**
   * The VMs with {@code ids} the user may see, DONE ones included, in one {@code one.vmpool.infoset} call;
   * empty when the server has no such call (before OpenNebula 6).
   */
  public Optional<List<OneVm>> infoSet(Collection<String> ids) {
    if (!infoSet || !version().atLeast(6, 0)) {
      return Optional.empty();
    }
    String list = ids.stream().map(OneApi::number).filter(java.util.Objects::nonNull).map(String::valueOf)
        .collect(java.util.stream.Collectors.joining(","));
    if (list.isEmpty()) {
      return Optional.of(List.of());
    }
    try {
      return Optional.of(OneVm.parse(text("one.vmpool.infoset", rpc.call("one.vmpool.infoset", session, list, true)), api));
    } catch (CloudException e) {
      if (!OneErrors.noSuchMethod(e)) {
        throw e;
      }
      infoSet = false;
      return Optional.empty();
    }
  }

  /** Performs {@code action} (such as {@code poweroff}) on VM {@code id}; the action name comes before the id. */
  public void action(String action, String id) {
    result("one.vm.action", rpc.call("one.vm.action", session, action, requireNumber(id)));
  }

  /** Merges {@code attributes} into the VM's user template. */
  public void updateUserTemplate(String id, Map<String, String> attributes) {
    StringBuilder t = new StringBuilder();
    attributes.forEach((k, v) -> t.append(k).append(" = ").append(OneTemplate.quote(v)).append('\n'));
    result("one.vm.update", rpc.call("one.vm.update", session, requireNumber(id), t.toString(), 1));
  }

  /** Gives VM {@code id} the capacity {@code template} holds (CPU, VCPU, MEMORY); oned wants it powered off. */
  public void resize(String id, String template) {
    result("one.vm.resize", rpc.call("one.vm.resize", session, requireNumber(id), template, false));
  }

  /** Takes a system snapshot; returns its id. */
  public String snapshotCreate(String id, String name) {
    return String.valueOf(result("one.vm.snapshotcreate", rpc.call("one.vm.snapshotcreate", session, requireNumber(id),
        name)));
  }

  /** Reverts to a system snapshot. */
  public void snapshotRevert(String id, String snapshotId) {
    result("one.vm.snapshotrevert", rpc.call("one.vm.snapshotrevert", session, requireNumber(id),
        requireNumber(snapshotId)));
  }

  /** Deletes a system snapshot. */
  public void snapshotDelete(String id, String snapshotId) {
    result("one.vm.snapshotdelete", rpc.call("one.vm.snapshotdelete", session, requireNumber(id),
        requireNumber(snapshotId)));
  }

  /** The images the user can use. */
  public List<Image> images() {
    String xml = text("one.imagepool.info", rpc.call("one.imagepool.info", session, -2, -1, -1));
    List<Image> out = new ArrayList<>();
    try {
      for (Element img : SafeXml.children(SafeXml.parse(xml.getBytes(StandardCharsets.UTF_8)))) {
        out.add(new Image(SafeXml.text(img, "ID"), SafeXml.text(img, "NAME"), SafeXml.text(img, "UNAME")));
      }
    } catch (SAXException e) {
      throw new CloudException(Kind.UNKNOWN, api, "MalformedAnswer", "the image list was refused: " + e.getMessage());
    }
    return out;
  }

  private Object result(String method, Object answer) {
    if (!(answer instanceof List<?> list) || list.size() < 2 || !(list.get(0) instanceof Boolean ok)) {
      throw new CloudException(Kind.UNKNOWN, api, "MalformedAnswer", "the answer to " + method + " is not the"
          + " [success, result, code] list OpenNebula sends");
    }
    if (!ok) {
      Object code = list.size() > 2 ? list.get(2) : null;
      throw OneErrors.classify(api, method, code instanceof Number n ? n.intValue() : -1, String.valueOf(list.get(1)));
    }
    return list.get(1);
  }

  private String text(String method, Object answer) {
    Object r = result(method, answer);
    if (!(r instanceof String s)) {
      throw new CloudException(Kind.UNKNOWN, api, "MalformedAnswer", "the answer to " + method + " holds "
          + (r == null ? "nothing" : r.getClass().getSimpleName()) + " where XML text belongs");
    }
    return s;
  }

  private static Integer number(String id) {
    return id != null && id.matches("\\d{1,9}") ? Integer.valueOf(id) : null;
  }

  private Integer requireNumber(String id) {
    Integer n = number(id);
    if (n == null) {
      throw new CloudException(Kind.NOT_FOUND, api, "0x400", "no VM or snapshot '" + id + "': OpenNebula ids are numbers");
    }
    return n;
  }
}
