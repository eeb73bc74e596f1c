package dev.flotilla.vm.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The JDK's XML parser with every door closed: no DOCTYPE (so no entity expansion), no external
 * entities or DTDs, no XInclude, no nesting deeper than {@value #MAX_DEPTH}. Answers from a server are
 * data, never instructions to fetch more.
 */
public final class SafeXml {
  /** The deepest element nesting accepted; real answers stay far below it. */
  public static final int MAX_DEPTH = 100;
  private static final DocumentBuilderFactory FACTORY = factory();

  private SafeXml() {}

  private static DocumentBuilderFactory factory() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      // deeper nesting than any OpenNebula answer has is refused by the parser, before it can cost the stack
      f.setAttribute("jdk.xml.maxElementDepth", MAX_DEPTH);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setNamespaceAware(false);
      return f;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser cannot be hardened", e);
    }
  }

  /**
   * Parses {@code bytes}.
   *
   * @throws SAXException for malformed XML or anything refused (a DOCTYPE above all)
   */
  public static Element parse(byte[] bytes) throws SAXException {
    try {
      DocumentBuilder builder = FACTORY.newDocumentBuilder();
      builder.setErrorHandler(null);
      Document doc = builder.parse(new ByteArrayInputStream(bytes));
      return doc.getDocumentElement();
    } catch (ParserConfigurationException | IOException e) {
      throw new SAXException(e.getMessage(), e);
    }
  }

  /** The child elements of {@code e}, in order. */
  public static java.util.List<Element> children(Element e) {
    java.util.List<Element> out = new java.util.ArrayList<>();
    NodeList nodes = e.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        out.add((Element) nodes.item(i));
      }
    }
    return out;
  }

  /** The first child element called {@code name}, or null. */
  public static Element child(Element e, String name) {
    for (Element c : children(e)) {
      if (c.getTagName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** The text of the first child element called {@code name}, or null. */
  public static String text(Element e, String name) {
    Element c = child(e, name);
    return c == null ? null : c.getTextContent().trim();
  }
}
