package dev.flotilla.vm.stratuslab.internal;

import dev.flotilla.vm.support.SafeXml;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.Instance;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;

/** A VM as OpenNebula describes it ({@code <VM>...</VM>}), read into what Flotilla needs. */
public final class OneVm {
  /** The user-template attribute that holds a VM's tags. */
  public static final String TAGS = "FLOTILLA_TAGS";
  /** The user-template attribute that holds each snapshot's parent, as {@code child:parent} pairs. */
  public static final String SNAPSHOT_PARENTS = "FLOTILLA_SNAPSHOT_PARENTS";
  /** The user-template attribute that holds the current snapshot's id. */
  public static final String SNAPSHOT_CURRENT = "FLOTILLA_SNAPSHOT_CURRENT";

  /** One system snapshot; {@code action} is what oned is doing with it (CREATE while it is taken), or null. */
  public record OneSnapshot(String id, String name, Instant time, String action) {}

  final String id;
  final int state;
  final int lcm;
  final Element xml;

  private OneVm(String id, int state, int lcm, Element xml) {
    this.id = id;
    this.state = state;
    this.lcm = lcm;
    this.xml = xml;
  }

  /** Reads one {@code <VM>} element. */
  static OneVm of(Element vm, String api) {
    try {
      return new OneVm(SafeXml.text(vm, "ID"), Integer.parseInt(SafeXml.text(vm, "STATE")),
          Integer.parseInt(SafeXml.text(vm, "LCM_STATE")), vm);
    } catch (RuntimeException e) {
      throw new CloudException(CloudException.Kind.UNKNOWN, api, "MalformedAnswer", "a <VM> lacks a numeric ID,"
          + " STATE or LCM_STATE; the server's answer was refused");
    }
  }

  /** Reads the XML text OpenNebula returns from one.vm.info ({@code <VM>}) or one.vmpool.info ({@code <VM_POOL>}). */
  static List<OneVm> parse(String text, String api) {
    Element root;
    try {
      root = SafeXml.parse(text.getBytes(StandardCharsets.UTF_8));
    } catch (SAXException e) {
      throw new CloudException(CloudException.Kind.UNKNOWN, api, "MalformedAnswer", "the VM description was"
          + " refused: it is not acceptable XML (" + e.getMessage() + ")");
    }
    List<OneVm> out = new ArrayList<>();
    if (root.getTagName().equals("VM")) {
      out.add(of(root, api));
    } else if (!root.getTagName().equals("VM_POOL")) {
      // never "no VMs": an answer that is not a pool says nothing about which VMs exist
      throw new CloudException(CloudException.Kind.UNKNOWN, api, "MalformedAnswer", "the VM description was refused:"
          + " its root is <" + root.getTagName() + ">, not <VM> or <VM_POOL>; nothing was concluded from it");
    } else {
      for (Element vm : SafeXml.children(root)) {
        if (vm.getTagName().equals("VM")) {
          out.add(of(vm, api));
        }
      }
    }
    return out;
  }

  /** An attribute from the user template, or (on servers before 4.0) the template. */
  String attribute(String name) {
    for (String section : List.of("USER_TEMPLATE", "TEMPLATE")) {
      Element s = SafeXml.child(xml, section);
      String v = s == null ? null : SafeXml.text(s, name);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return null;
  }

  /** The tags the VM carries. */
  Map<String, String> tags() {
    return decode(attribute(TAGS));
  }

  /** The system snapshots, oldest first. */
  List<OneSnapshot> snapshots() {
    List<OneSnapshot> out = new ArrayList<>();
    Element template = SafeXml.child(xml, "TEMPLATE");
    if (template != null) {
      for (Element s : SafeXml.children(template)) {
        if (s.getTagName().equals("SNAPSHOT")) {
          String time = SafeXml.text(s, "TIME");
          String action = SafeXml.text(s, "ACTION");
          out.add(new OneSnapshot(SafeXml.text(s, "SNAPSHOT_ID"), SafeXml.text(s, "NAME"),
              Instant.ofEpochSecond(time == null || !time.matches("\\d{1,18}") ? 0 : Long.parseLong(time)),
              action == null || action.isEmpty() ? null : action));
        }
      }
    }
    return out;
  }

  /**
   * Whether the VM is still PENDING (no host taken it) though it was made before {@code cutoff}: oned's
   * scheduler found no host with room for it.
   */
  public boolean pendingSince(Instant cutoff) {
    String stime = SafeXml.text(xml, "STIME");
    return state == 1 && stime != null && stime.matches("\\d{1,18}")
        && Instant.ofEpochSecond(Long.parseLong(stime)).isBefore(cutoff);
  }

  /** What Flotilla shows of the VM. */
  public Instance toInstance() {
    Instance.Builder b = Instance.builder(id, OneStates.state(state, lcm)).providerState(OneStates.label(state, lcm))
        .type(attribute("INSTANCE_TYPE")).tags(tags());
    Element template = SafeXml.child(xml, "TEMPLATE");
    if (template != null) {
      for (Element nic : SafeXml.children(template)) {
        if (nic.getTagName().equals("NIC")) {
          String network = SafeXml.text(nic, "NETWORK");
          String ip = SafeXml.text(nic, "IP");
          if ("public".equalsIgnoreCase(network) || network == null) {
            b.publicAddress(ip);
          } else {
            b.privateAddress(ip);
          }
        }
      }
      Element disk = SafeXml.child(template, "DISK");
      String imageId = disk == null ? null : SafeXml.text(disk, "IMAGE_ID");
      String source = disk == null ? null : SafeXml.text(disk, "SOURCE");
      if (imageId != null && !imageId.isEmpty()) {
        b.image(imageId); // an OpenNebula image, as 'vm images' lists it
      } else if (source != null) {
        b.image(source.replaceFirst(".*/metadata/", "")); // a StratusLab Marketplace id or URL
      }
    }
    String stime = SafeXml.text(xml, "STIME");
    if (stime != null && stime.matches("\\d+") && !stime.equals("0")) {
      b.launchTime(Instant.ofEpochSecond(Long.parseLong(stime)));
    }
    Element history = SafeXml.child(xml, "HISTORY_RECORDS");
    Element last = null;
    if (history != null) {
      for (Element h : SafeXml.children(history)) {
        last = h;
      }
    }
    if (last != null) {
      b.zone(SafeXml.text(last, "HOSTNAME"));
    }
    if (OneStates.state(state, lcm) == dev.flotilla.vm.Lifecycle.State.ERROR) {
      b.fault(attribute("ERROR"));
    }
    return b.build();
  }

  /** Tags as one attribute value: {@code key=value&key=value}, URL-encoded. */
  public static String encode(Map<String, String> tags) {
    StringBuilder sb = new StringBuilder();
    tags.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
        .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return sb.toString();
  }

  static Map<String, String> decode(String value) {
    Map<String, String> out = new LinkedHashMap<>();
    if (value == null || value.isEmpty()) {
      return out;
    }
    for (String pair : value.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
