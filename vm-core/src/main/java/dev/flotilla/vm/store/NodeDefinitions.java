package dev.flotilla.vm.store;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.support.NodeJson;
import java.util.ArrayList;
import java.util.List;

/**
 * Ways operators define nodes: Poni's name templates with a range ({@code web{id}} over 2..4 makes web2,
 * web3 and web4) and LEAP's seeds ({@code services:webapp,couchdb tags:seattle
 * vm.options.InstanceType:t2.small}). Inheritance from a parent node is {@link Node#derive(String)}, kept
 * in files as {@code inherit}.
 */
public final class NodeDefinitions {
  /** The placeholder a template's number replaces. */
  public static final String ID = "{id}";

  private NodeDefinitions() {}

  /**
   * One node per number from {@code from} to {@code to}, named by {@code template} with {@value #ID}
   * replaced by the number, each with every property of {@code prototype} but its name and binding.
   *
   * @throws ConfigurationException when the template has no {@value #ID}, the range is empty, or a name is
   *     not a valid host name
   */
  public static List<Node> range(String template, int from, int to, Node prototype) {
    if (template == null || !template.contains(ID)) {
      throw new ConfigurationException(null, "template", "'" + template + "' has no " + ID + " to number the nodes;"
          + " write it such as web" + ID);
    }
    if (from > to || from < 0) {
      throw new ConfigurationException(null, "range", from + ".." + to + " is empty; give a range such as 1..3");
    }
    List<Node> out = new ArrayList<>(to - from + 1);
    for (int i = from; i <= to; i++) {
      out.add(prototype.toBuilder().name(template.replace(ID, Integer.toString(i))).displayName(null).build()
          .withRecord(dev.flotilla.vm.NodeRecord.NONE));
    }
    return out;
  }

  /**
   * {@code node} with LEAP seeds applied in order. A seed is {@code KEY:VALUE} with a record key
   * ({@code services}, {@code tags}, {@code vm.type}, {@code vm.cpus}...) or
   * {@code vm.options.NAME}; list values are split on commas.
   *
   * @throws ConfigurationException for a malformed seed or an unknown key, with the nearest key suggested
   */
  public static Node seed(Node node, List<String> seeds) {
    Node current = node;
    for (String s : seeds) {
      Node.Builder b = current.toBuilder();
      NodeJson.seed(b, current, s);
      current = b.build();
    }
    return current;
  }

  /** {@link #seed(Node, List)} for seeds given one by one. */
  public static Node seed(Node node, String... seeds) {
    return seed(node, List.of(seeds));
  }
}
