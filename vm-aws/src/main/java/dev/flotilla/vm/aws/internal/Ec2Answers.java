package dev.flotilla.vm.aws.internal;

import dev.flotilla.vm.jclouds.AnswerCheck;
import java.io.ByteArrayInputStream;
import java.util.Optional;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * What a successful EC2 answer is: a whole XML document, without a DOCTYPE, whose root element is the
 * action's {@code ...Response}. Anything else (an HTML page from a proxy, JSON, a body cut short) is an
 * error, never "no instances".
 */
public final class Ec2Answers implements AnswerCheck {
  private static final SAXParserFactory FACTORY = factory();

  /** The list each describe answer holds, empty when there is nothing: its absence is no answer. */
  private static final java.util.Map<String, String> LISTS = java.util.Map.of(
      "DescribeInstancesResponse", "reservationSet",
      "RunInstancesResponse", "instancesSet",
      "DescribeAddressesResponse", "addressesSet",
      "DescribeImagesResponse", "imagesSet",
      "DescribeKeyPairsResponse", "keySet",
      "DescribeSecurityGroupsResponse", "securityGroupInfo",
      "DescribeTagsResponse", "tagSet",
      "DescribePlacementGroupsResponse", "placementGroupSet",
      "DescribeSubnetsResponse", "subnetSet");

  @Override
  public Optional<String> problem(String method, java.net.URL url, String contentType, byte[] body) {
    if (body.length == 0) {
      return Optional.of("EC2 answers every action with an XML document, and this answer is empty");
    }
    String[] root = {null};
    java.util.Set<String> top = new java.util.HashSet<>();
    try {
      SAXParser parser = FACTORY.newSAXParser();
      parser.parse(new ByteArrayInputStream(body), new DefaultHandler() {
        private int depth;

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
          String name = localName.isEmpty() ? qName : localName;
          if (depth == 0 && root[0] == null) {
            root[0] = name;
          } else if (depth == 1) {
            top.add(name);
          }
          depth++;
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
          depth--;
        }
      });
    } catch (SAXException e) {
      return Optional.of("it is not a whole XML document (" + firstLine(e.getMessage()) + ")");
    } catch (java.io.IOException | javax.xml.parsers.ParserConfigurationException e) {
      return Optional.of("it cannot be read: " + e.getMessage());
    }
    if (root[0] == null || !root[0].endsWith("Response")) {
      return Optional.of("its root element is <" + root[0] + ">, where EC2 answers with <ActionResponse>");
    }
    String list = LISTS.get(root[0]);
    if (list != null && !top.contains(list)) {
      // an absent list proves nothing: EC2 sends an empty <reservationSet/> when there is nothing
      return Optional.of("<" + root[0] + "> has no <" + list + ">, so it says nothing of what exists");
    }
    return Optional.empty();
  }

  @Override
  public Optional<String> errorProblem(String method, java.net.URL url, int status, String contentType, byte[] body) {
    org.w3c.dom.Element root;
    try {
      root = dev.flotilla.vm.support.SafeXml.parse(body);
    } catch (SAXException e) {
      return Optional.of("it is not a whole XML document without a DOCTYPE");
    }
    org.w3c.dom.Element errors = root.getTagName().equals("Response")
        ? dev.flotilla.vm.support.SafeXml.child(root, "Errors") : root.getTagName().equals("ErrorResponse") ? root : null;
    org.w3c.dom.Element error = errors == null ? null : dev.flotilla.vm.support.SafeXml.child(errors, "Error");
    String code = error == null ? null : dev.flotilla.vm.support.SafeXml.text(error, "Code");
    return code == null || code.isEmpty()
        ? Optional.of("EC2 writes its errors as <Response><Errors><Error><Code>, and this is <" + root.getTagName() + ">")
        : Optional.empty();
  }

  private static String firstLine(String s) {
    return s == null ? "malformed" : s.lines().findFirst().orElse("malformed");
  }

  private static SAXParserFactory factory() {
    return dev.flotilla.vm.support.SafeXml.saxFactory(true);
  }

}
