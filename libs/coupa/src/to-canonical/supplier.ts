import { SupplierData, stopMapping, type MapResult } from '@mlc/events';
import type { CoupaMapping } from '../mapping.js';
import { actorOf, compact, mapRecord, peek, text, utc, type CoupaSourceRecord } from './result.js';
import { InboundSupplier } from './wire.js';

type Phone = NonNullable<NonNullable<InboundSupplier['primary-contact']>['phone-work']>;

function phoneOf(phone: Phone | null | undefined): string | undefined {
  if (phone === null || phone === undefined) return undefined;
  if (typeof phone === 'string') return text(phone);
  return text([phone['country-code'], phone['area-code'], phone.number].map(text).filter(Boolean).join(' '));
}

/**
 * The source code of a Coupa payment term: the mapping translates source → Coupa codes outbound,
 * so inbound takes the inverse where it is unambiguous, and the Coupa code otherwise.
 */
function sourceTerms(code: string | undefined, mapping: CoupaMapping): string | undefined {
  if (code === undefined) return undefined;
  const sources = Object.entries(mapping.supplier.paymentTerms).filter(([, coupa]) => coupa === code);
  return sources.length === 1 ? sources[0]![0] : code;
}

function statusOf(record: InboundSupplier): SupplierData['status'] {
  // Inactive beats on hold, as outbound; a supplier still onboarding may not be ordered from yet.
  if (record.status === 'inactive' || record.status === 'onboarding') return 'inactive';
  return record['on-hold'] === true ? 'on-hold' : 'active';
}

/**
 * Coupa supplier JSON → canonical supplier keyed by `number`. It inverts `toCoupaSupplier` field
 * by field, so a supplier coupa-writer wrote maps back to the same data (and contentHash) as far
 * as Coupa holds it: bank details, and a currency the writer did not send, do not survive.
 */
export function toCanonicalSupplier(body: unknown, mapping: CoupaMapping): MapResult<CoupaSourceRecord<SupplierData>> {
  return mapRecord({
    entity: 'supplier',
    body,
    wire: InboundSupplier,
    canonical: SupplierData,
    keyOf: (b) => peek(b, 'number') ?? peek(b, 'id'),
    map: (record) => {
      const number = text(record.number) ?? stopMapping(`Coupa supplier ${record.id} has no supplier number`, { coupaId: record.id, field: 'number' });
      const contact = record['primary-contact'];
      const address = record['primary-address'];
      const lines = address ? [address.street1, address.street2, address.street3, address.street4].map(text).filter((l): l is string => l !== undefined) : [];
      const name = contact ? text([text(contact['name-given']), text(contact['name-family'])].filter(Boolean).join(' ')) : undefined;
      const country = text(address?.country?.code)?.toUpperCase();
      const data: SupplierData = {
        number,
        name: record.name.trim(),
        status: statusOf(record),
        currency: text(record.currency?.code)?.toUpperCase(),
        paymentTerms: sourceTerms(text(record['payment-term']?.code), mapping),
        taxId: text(record['tax-id']),
        contact: contact ? compact({ name, email: text(contact.email), phone: phoneOf(contact['phone-work']) }) : undefined,
        address:
          address && (lines.length > 0 || text(address.city) || text(address['postal-code']) || country)
            ? compact({ lines, city: text(address.city), region: text(address.state), postalCode: text(address['postal-code']), country })
            : undefined,
      };
      return { key: number, data: compact(data), occurredAt: utc(record['updated-at']), actor: actorOf(record['updated-by']) };
    },
  });
}
