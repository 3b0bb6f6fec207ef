/**
 * Reference data the generator draws from. Strings must never contain a tab, newline or backslash: rows are
 * written in COPY text format without escaping (a unit test guards this).
 */

export * from './places';

export interface Role {
  name: string;
  description: string;
  /** Share of users holding it as their main role. */
  weight: number;
  permissions: readonly string[] | 'all';
  titles: readonly string[];
}

export const PERMISSIONS: readonly { name: string; description: string }[] = [
  { name: 'jobs:read', description: 'See job openings' },
  { name: 'jobs:write', description: 'Create and edit job openings' },
  { name: 'jobs:publish', description: 'Publish jobs to career sites and boards' },
  { name: 'candidates:read', description: 'See candidate profiles' },
  { name: 'candidates:write', description: 'Edit candidate profiles and stages' },
  { name: 'candidates:export', description: 'Export candidate data' },
  { name: 'interviews:read', description: 'See interview schedules' },
  { name: 'interviews:schedule', description: 'Schedule and reschedule interviews' },
  { name: 'feedback:write', description: 'Submit interview feedback' },
  { name: 'offers:approve', description: 'Approve offers' },
  { name: 'reports:read', description: 'See hiring reports' },
  { name: 'users:manage', description: 'Invite, suspend and remove users' },
  { name: 'roles:manage', description: 'Edit roles and permissions' },
  { name: 'billing:manage', description: 'Manage the subscription and invoices' },
  { name: 'integrations:manage', description: 'Connect ATS, calendar and job board integrations' },
  { name: 'settings:manage', description: 'Change workspace settings' },
];

/** The system roles every tenant gets; index 0 (admin) goes to each tenant's first user. */
export const ROLES: readonly Role[] = [
  {
    name: 'admin',
    description: 'Full access to the workspace',
    weight: 3,
    permissions: 'all',
    titles: ['Head of Talent', 'HR Director', 'People Operations Manager'],
  },
  {
    name: 'recruiter',
    description: 'Runs hiring pipelines end to end',
    weight: 45,
    permissions: [
      'jobs:read',
      'jobs:write',
      'jobs:publish',
      'candidates:read',
      'candidates:write',
      'candidates:export',
      'interviews:read',
      'interviews:schedule',
      'feedback:write',
      'reports:read',
    ],
    titles: ['Recruiter', 'Senior Recruiter', 'Technical Recruiter', 'Talent Acquisition Specialist', 'Sourcer'],
  },
  {
    name: 'hiring_manager',
    description: 'Owns openings and decides on candidates',
    weight: 25,
    permissions: [
      'jobs:read',
      'jobs:write',
      'candidates:read',
      'interviews:read',
      'interviews:schedule',
      'feedback:write',
      'offers:approve',
      'reports:read',
    ],
    titles: ['Engineering Manager', 'Product Manager', 'Sales Director', 'Design Lead', 'Head of Engineering'],
  },
  {
    name: 'interviewer',
    description: 'Interviews candidates and gives feedback',
    weight: 17,
    permissions: ['jobs:read', 'candidates:read', 'interviews:read', 'feedback:write'],
    titles: ['Software Engineer', 'Senior Software Engineer', 'Data Scientist', 'Account Executive', 'Designer'],
  },
  {
    name: 'viewer',
    description: 'Read-only access to jobs and reports',
    weight: 10,
    permissions: ['jobs:read', 'candidates:read', 'reports:read'],
    titles: ['Finance Analyst', 'Operations Associate', 'Executive Assistant', 'CFO'],
  },
];

export interface Feature {
  name: string;
  weight: number;
  actions: readonly string[];
  metadata: 'entity' | 'search' | 'export' | 'message';
  /**
   * Features launched recently spread by a logistic adoption curve: the share of users who have adopted it by
   * day t of the window is `ceiling / (1 + e^-(t - midpoint·days) / widthDays)`. Core features have none.
   */
  adoption?: { ceiling: number; midpoint: number; widthDays: number };
}

export const FEATURES: readonly Feature[] = [
  { name: 'job_posting', weight: 14, actions: ['view', 'create', 'update', 'publish', 'close'], metadata: 'entity' },
  { name: 'candidate_search', weight: 18, actions: ['search', 'filter', 'save_search'], metadata: 'search' },
  {
    name: 'candidate_profile',
    weight: 20,
    actions: ['view', 'update', 'tag', 'add_note', 'download_resume'],
    metadata: 'entity',
  },
  { name: 'pipeline', weight: 14, actions: ['view', 'move_stage', 'bulk_move', 'reject'], metadata: 'entity' },
  {
    name: 'interview_scheduling',
    weight: 8,
    actions: ['view_calendar', 'schedule', 'reschedule', 'cancel'],
    metadata: 'entity',
  },
  { name: 'messaging', weight: 10, actions: ['send_email', 'send_template', 'view_thread'], metadata: 'message' },
  { name: 'reports', weight: 5, actions: ['view_dashboard', 'export_csv'], metadata: 'export' },
  { name: 'settings', weight: 2, actions: ['view', 'update'], metadata: 'entity' },
  {
    name: 'ai_sourcing',
    weight: 10,
    actions: ['run_search', 'accept_suggestion', 'dismiss_suggestion'],
    metadata: 'search',
    adoption: { ceiling: 0.6, midpoint: 0.3, widthDays: 6 },
  },
  {
    name: 'chrome_extension',
    weight: 5,
    actions: ['import_profile', 'enrich_profile'],
    metadata: 'entity',
    adoption: { ceiling: 0.35, midpoint: -0.2, widthDays: 10 },
  },
  {
    name: 'video_interviews',
    weight: 6,
    actions: ['start_call', 'share_recording'],
    metadata: 'entity',
    adoption: { ceiling: 0.5, midpoint: 0.75, widthDays: 3 },
  },
];

export interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Share of requests from people in the web app. */
  weight: number;
  /** Share of integration (API key) requests. */
  integrationWeight: number;
  medianMs: number;
}

export const ENDPOINTS: readonly Endpoint[] = [
  { method: 'GET', path: '/api/v1/me', weight: 10, integrationWeight: 0, medianMs: 15 },
  { method: 'GET', path: '/api/v1/jobs', weight: 12, integrationWeight: 25, medianMs: 45 },
  { method: 'GET', path: '/api/v1/jobs/{id}', weight: 10, integrationWeight: 10, medianMs: 30 },
  { method: 'POST', path: '/api/v1/jobs', weight: 2, integrationWeight: 3, medianMs: 120 },
  { method: 'GET', path: '/api/v1/candidates', weight: 12, integrationWeight: 25, medianMs: 70 },
  { method: 'POST', path: '/api/v1/candidates', weight: 2, integrationWeight: 20, medianMs: 110 },
  { method: 'GET', path: '/api/v1/candidates/{id}', weight: 14, integrationWeight: 5, medianMs: 35 },
  { method: 'PATCH', path: '/api/v1/candidates/{id}', weight: 5, integrationWeight: 5, medianMs: 80 },
  { method: 'POST', path: '/api/v1/candidates/search', weight: 10, integrationWeight: 0, medianMs: 220 },
  { method: 'GET', path: '/api/v1/pipelines/{id}', weight: 8, integrationWeight: 0, medianMs: 90 },
  { method: 'POST', path: '/api/v1/interviews', weight: 3, integrationWeight: 2, medianMs: 150 },
  { method: 'PUT', path: '/api/v1/interviews/{id}', weight: 1, integrationWeight: 0, medianMs: 140 },
  { method: 'DELETE', path: '/api/v1/interviews/{id}', weight: 0.5, integrationWeight: 0, medianMs: 60 },
  { method: 'POST', path: '/api/v1/messages', weight: 5, integrationWeight: 0, medianMs: 180 },
  { method: 'GET', path: '/api/v1/reports/summary', weight: 3, integrationWeight: 0, medianMs: 600 },
  { method: 'GET', path: '/api/v1/reports/export', weight: 1, integrationWeight: 0, medianMs: 2400 },
  { method: 'POST', path: '/api/v1/ai/sourcing', weight: 3, integrationWeight: 0, medianMs: 1800 },
  { method: 'POST', path: '/api/v1/webhooks/ats-sync', weight: 0, integrationWeight: 5, medianMs: 250 },
];

export const USER_AGENTS: readonly { ua: string; device: 'desktop' | 'mobile' | 'tablet'; weight: number }[] = [
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    device: 'desktop',
    weight: 34,
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    device: 'desktop',
    weight: 20,
  },
  {
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    device: 'desktop',
    weight: 8,
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
    device: 'desktop',
    weight: 5,
  },
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0',
    device: 'desktop',
    weight: 8,
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    device: 'mobile',
    weight: 9,
  },
  {
    ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
    device: 'mobile',
    weight: 8,
  },
  { ua: 'Hire10x/4.2.1 (Android 14)', device: 'mobile', weight: 4 },
  {
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    device: 'tablet',
    weight: 4,
  },
];

/** What scripted attacks announce themselves as. */
export const ATTACKER_AGENTS: readonly string[] = [
  'python-requests/2.31.0',
  'curl/8.4.0',
  'Go-http-client/1.1',
  'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0 Safari/537.36',
];

/** First octets of hosting ranges attacks come from, and of consumer ranges per country. */
export const ATTACKER_OCTETS: readonly number[] = [45, 91, 185, 193, 194];
export const COUNTRY_OCTETS: Readonly<Record<string, readonly number[]>> = {
  IN: [49, 103, 106, 117, 223],
  US: [24, 67, 73, 98, 174],
  CA: [24, 70, 99],
  GB: [81, 86, 92],
  DE: [79, 84, 93],
  NL: [77, 83, 145],
  SG: [116, 118, 175],
  AE: [5, 94, 185],
  AU: [1, 101, 120],
  BR: [177, 179, 187],
  JP: [60, 126, 153],
};

export const COMPANY_PREFIXES: readonly string[] = [
  'Acme',
  'Nimbus',
  'Vertex',
  'Quantum',
  'Bright',
  'Nova',
  'Apex',
  'Orbit',
  'Lumen',
  'Crest',
  'Pioneer',
  'Zenith',
  'Horizon',
  'Summit',
  'Redwood',
  'Northwind',
  'Helix',
  'Cobalt',
];
export const COMPANY_SUFFIXES: readonly string[] = [
  'Labs',
  'Technologies',
  'Systems',
  'Health',
  'Capital',
  'Retail',
  'Logistics',
  'Software',
  'Analytics',
  'Consulting',
  'Foods',
  'Energy',
];

export const TEAM_NAMES: readonly string[] = [
  'Engineering Hiring',
  'Sales Hiring',
  'Campus Recruiting',
  'Executive Search',
  'Product and Design Hiring',
  'Operations Hiring',
  'Customer Success Hiring',
  'Marketing Hiring',
  'Finance Hiring',
  'Contract Staffing',
  'Data Hiring',
  'Leadership Hiring',
];

export const LEGAL_HOLD_REASONS: readonly string[] = [
  'litigation hold: employment dispute',
  'regulatory investigation',
  'internal audit',
  'subpoena',
];

/** Webmail domains credential-stuffing lists are made of. */
export const LEAKED_EMAIL_DOMAINS: readonly string[] = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com'];

/** Relative chance a session starts at each local hour (0-23): office hours with a lunch dip. */
export const HOURLY_WEIGHTS: readonly number[] = [
  0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 8, 10, 10, 7, 8, 9, 8.5, 7, 5, 3, 2, 1.5, 1.2, 0.8, 0.5,
];

/** Activity by local weekday (0 = Sunday): recruiting is a weekday job. */
export const WEEKDAY_WEIGHTS: readonly number[] = [0.18, 1, 1.05, 1.05, 1, 0.9, 0.22];
