import type { TableSpec } from '../data/schema.js';

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A minimal CSDL document (OData v4 XML) describing the entity sets. */
export function csdl(tables: readonly TableSpec[], namespace = 'SYSPRO'): string {
  const types = tables.map((t) => {
    const key = t.key.map((k) => `<PropertyRef Name="${escape(k)}"/>`).join('');
    const props = t.columns
      .map((c) => {
        const attrs = [`Name="${escape(c.name)}"`, `Type="${c.type}"`, `Nullable="${c.nullable ? 'true' : 'false'}"`];
        if (c.maxLength !== undefined) attrs.push(`MaxLength="${c.maxLength}"`);
        if (c.type === 'Edm.Decimal') attrs.push('Scale="Variable"');
        return `<Property ${attrs.join(' ')}/>`;
      })
      .join('');
    return `<EntityType Name="${escape(t.name)}"><Key>${key}</Key>${props}</EntityType>`;
  });
  const sets = tables.map((t) => `<EntitySet Name="${escape(t.name)}" EntityType="${namespace}.${escape(t.name)}"/>`).join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>' +
    `<Schema Namespace="${namespace}" xmlns="http://docs.oasis-open.org/odata/ns/edm">${types.join('')}` +
    `<EntityContainer Name="Container">${sets}</EntityContainer></Schema>` +
    '</edmx:DataServices></edmx:Edmx>'
  );
}
