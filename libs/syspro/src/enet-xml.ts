import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { MlcError } from '@mlc/errors';

/** XML 1.0 Name, restricted to ASCII: element names come from configuration. */
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function isXmlName(name: string): boolean {
  return XML_NAME.test(name) && !/^xml/i.test(name);
}

export function xmlName(name: string): string {
  if (!isXmlName(name)) throw new MlcError('MLC_CONFIG_INVALID', 'XML element name is not a plain name', { context: { element: name } });
  return name;
}

// Characters XML 1.0 cannot carry at all, even escaped; SYSPRO would reject the whole document.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** An XML element tree: text leaves, nested objects, arrays for repeated elements. */
export interface XmlTree {
  [element: string]: string | XmlTree | XmlTree[];
}

function clean(tree: XmlTree): XmlTree {
  const out: XmlTree = {};
  for (const [name, value] of Object.entries(tree)) {
    xmlName(name);
    out[name] = typeof value === 'string' ? value.replace(NOT_XML_CHAR, '') : Array.isArray(value) ? value.map(clean) : clean(value);
  }
  return out;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: false, suppressEmptyNode: false, processEntities: true });

/**
 * One SYSPRO XML document (XmlParameters or XmlIn). Text is escaped by the builder; the
 * `noNamespaceSchemaLocation` attribute names the business object's XSD, as SYSPRO's samples do.
 */
export function buildSysproXml(root: string, schema: string | undefined, body: XmlTree): string {
  const attributes = schema === undefined ? {} : { '@_xmlns:xsd': 'http://www.w3.org/2001/XMLSchema-instance', '@_xsd:noNamespaceSchemaLocation': schema };
  return builder.build({ '?xml': { '@_version': '1.0' }, [xmlName(root)]: { ...attributes, ...clean(body) } }) as string;
}

/** The common parameter block of SYSPRO setup business objects (APSSSC pattern, vendors.md §1.2). */
export function setupParameters(params: {
  root: string;
  schema?: string;
  ignoreWarnings?: boolean;
  applyIfEntireDocumentValid?: boolean;
  validateOnly?: boolean;
}): string {
  const yn = (v: boolean) => (v ? 'Y' : 'N');
  return buildSysproXml(params.root, params.schema, {
    Parameters: {
      IgnoreWarnings: yn(params.ignoreWarnings ?? false),
      ApplyIfEntireDocumentValid: yn(params.applyIfEntireDocumentValid ?? true),
      ValidateOnly: yn(params.validateOnly ?? false),
    },
  });
}

export interface BusinessObjectOutcome {
  errors: string[];
  warnings: string[];
  /** `ItemsInvalid` of a setup object's status block, when present. */
  itemsInvalid?: number;
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: true });

// Element names SYSPRO business objects use for messages. Setup objects put an ErrorDescription
// per item and an ItemsInvalid count; with IgnoreWarnings=N warnings come back as errors.
const ERROR_ELEMENTS = new Set(['ErrorDescription', 'ErrorMessage', 'Error', 'Exception']);
const WARNING_ELEMENTS = new Set(['WarningDescription', 'WarningMessage', 'Warning']);

/** Reads errors and warnings out of a business object's XmlOut. Throws MLC_DECODE_FAILED when it is not XML. */
export function readBusinessObjectOutcome(xml: string): BusinessObjectOutcome {
  let tree: unknown;
  try {
    tree = parser.parse(xml, true);
  } catch (cause) {
    throw new MlcError('MLC_DECODE_FAILED', 'SYSPRO business object output is not XML', { cause });
  }
  const outcome: BusinessObjectOutcome = { errors: [], warnings: [] };
  const visit = (node: unknown, name: string): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, name);
    } else if (node !== null && typeof node === 'object') {
      for (const [child, value] of Object.entries(node)) visit(value, child);
    } else if (typeof node === 'string' && node.trim() !== '') {
      if (ERROR_ELEMENTS.has(name)) outcome.errors.push(node.trim());
      else if (WARNING_ELEMENTS.has(name)) outcome.warnings.push(node.trim());
      else if (name === 'ItemsInvalid' && /^\d+$/.test(node.trim())) outcome.itemsInvalid = (outcome.itemsInvalid ?? 0) + Number(node.trim());
    }
  };
  visit(tree, '');
  return outcome;
}
