package dev.flotilla.vm.support;

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
      builder.setErrorHandler(QUIET);
      Document doc = builder.parse(new ByteArrayInputStream(bytes));
      return doc.getDocumentElement();
    } catch (ParserConfigurationException | IOException e) {
      throw new SAXException(e.getMessage(), e);
    }
  }

  /**
   * Reports nothing itself: without an error handler the JDK's parser prints {@code [Fatal Error] ...} to
   * standard error before it throws, for every answer that is not XML.
   */
  public static final org.xml.sax.ErrorHandler QUIET = new org.xml.sax.ErrorHandler() {
    @Override
    public void warning(org.xml.sax.SAXParseException e) {
      // a warning changes nothing about what is parsed
    }

    @Override
    public void error(org.xml.sax.SAXParseException e) throws SAXException {
      throw e;
    }

    @Override
    public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
      throw e;
    }
  };

  /**
   * {@code factory} with the same doors closed as this class's own parser: no DOCTYPE, no external entities
   * or DTDs, no XInclude. Used for SAX factories that libraries (jclouds) create and hold.
   *
   * @throws IllegalStateException when the factory lacks a standard feature (it would parse unhardened)
   */
  public static javax.xml.parsers.SAXParserFactory harden(javax.xml.parsers.SAXParserFactory factory) {
    try {
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
      factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      factory.setXIncludeAware(false);
      factory.setValidating(false);
      return factory;
    } catch (ParserConfigurationException | SAXException e) {
      throw new IllegalStateException("the XML parser " + factory.getClass().getName() + " cannot be hardened", e);
    }
  }

  /** A SAX factory hardened as {@link #harden} says. */
  public static javax.xml.parsers.SAXParserFactory saxFactory(boolean namespaceAware) {
    javax.xml.parsers.SAXParserFactory f = javax.xml.parsers.SAXParserFactory.newInstance();
    f.setNamespaceAware(namespaceAware);
    return harden(f);
  }

  /**
   * Makes the JDK's own defaults refuse external DTDs, entities and schemas for every parser in the process
   * that sets nothing itself (a library's too), unless the application chose otherwise.
   */
  public static void hardenJdkDefaults() {
    for (String p : new String[] {"javax.xml.accessExternalDTD", "javax.xml.accessExternalSchema",
        "javax.xml.accessExternalStylesheet"}) {
      if (System.getProperty(p) == null) {
        System.setProperty(p, "");
      }
    }
  }

  /** Whether {@code bytes} are one well-formed XML document that the hardened parser accepts. */
  public static boolean wellFormed(byte[] bytes) {
    try {
      parse(bytes);
      return true;
    } catch (SAXException e) {
      return false;
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
