import { type RoutedAlert } from './input.ts'

function text (v: unknown): string {
  if (v === undefined || v === null) return ''
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)
}

/**
 * Fills {name} placeholders from an alert: id, type, severity, login, remote, t, time (ISO 8601,
 * UTC), risk, suppressed, evidence (JSON), evidence.KEY, attrs.KEY. An unknown name is left as
 * written, so a typo shows in the mail instead of vanishing.
 */
export function fillTemplate (template: string, { alert, attrs }: RoutedAlert): string {
  return template.replace(/\{([A-Za-z0-9_.]+)\}/g, (whole, name: string) => {
    if (name.startsWith('evidence.')) return text(alert.evidence[name.slice(9)])
    if (name.startsWith('attrs.')) return text(attrs[name.slice(6)])
    switch (name) {
      case 'time': return new Date(alert.t * 1000).toISOString()
      case 'evidence': return JSON.stringify(alert.evidence)
      case 'id': case 'type': case 'severity': case 'login': case 'remote': case 't': case 'risk': case 'suppressed':
        return text(alert[name])
      default: return whole
    }
  })
}
