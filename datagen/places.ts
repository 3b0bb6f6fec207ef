/**
 * Where users live: cities, calling codes, tenant regions and names by country. The same COPY text rule as
 * `catalog.ts` applies: no tab, newline or backslash in any string.
 */

export interface City {
  country: string;
  region: string;
  city: string;
  timezone: string;
  weight: number;
}

/** Hire10x's customers are mostly in India and the US, with a global tail. */
export const CITIES: readonly City[] = [
  { country: 'IN', region: 'Karnataka', city: 'Bengaluru', timezone: 'Asia/Kolkata', weight: 12 },
  { country: 'IN', region: 'Maharashtra', city: 'Mumbai', timezone: 'Asia/Kolkata', weight: 8 },
  { country: 'IN', region: 'Delhi', city: 'New Delhi', timezone: 'Asia/Kolkata', weight: 7 },
  { country: 'IN', region: 'Telangana', city: 'Hyderabad', timezone: 'Asia/Kolkata', weight: 6 },
  { country: 'IN', region: 'Maharashtra', city: 'Pune', timezone: 'Asia/Kolkata', weight: 5 },
  { country: 'IN', region: 'Tamil Nadu', city: 'Chennai', timezone: 'Asia/Kolkata', weight: 4 },
  { country: 'IN', region: 'Haryana', city: 'Gurugram', timezone: 'Asia/Kolkata', weight: 4 },
  { country: 'US', region: 'New York', city: 'New York', timezone: 'America/New_York', weight: 6 },
  { country: 'US', region: 'California', city: 'San Francisco', timezone: 'America/Los_Angeles', weight: 5 },
  { country: 'US', region: 'Texas', city: 'Austin', timezone: 'America/Chicago', weight: 3 },
  { country: 'US', region: 'Washington', city: 'Seattle', timezone: 'America/Los_Angeles', weight: 2 },
  { country: 'US', region: 'Illinois', city: 'Chicago', timezone: 'America/Chicago', weight: 2 },
  { country: 'US', region: 'Massachusetts', city: 'Boston', timezone: 'America/New_York', weight: 2 },
  { country: 'US', region: 'Colorado', city: 'Denver', timezone: 'America/Denver', weight: 1 },
  { country: 'GB', region: 'England', city: 'London', timezone: 'Europe/London', weight: 5 },
  { country: 'GB', region: 'England', city: 'Manchester', timezone: 'Europe/London', weight: 1 },
  { country: 'DE', region: 'Berlin', city: 'Berlin', timezone: 'Europe/Berlin', weight: 2 },
  { country: 'DE', region: 'Bavaria', city: 'Munich', timezone: 'Europe/Berlin', weight: 1 },
  { country: 'NL', region: 'North Holland', city: 'Amsterdam', timezone: 'Europe/Amsterdam', weight: 1 },
  { country: 'SG', region: 'Singapore', city: 'Singapore', timezone: 'Asia/Singapore', weight: 3 },
  { country: 'AE', region: 'Dubai', city: 'Dubai', timezone: 'Asia/Dubai', weight: 2 },
  { country: 'AU', region: 'New South Wales', city: 'Sydney', timezone: 'Australia/Sydney', weight: 2 },
  { country: 'AU', region: 'Victoria', city: 'Melbourne', timezone: 'Australia/Melbourne', weight: 1 },
  { country: 'CA', region: 'Ontario', city: 'Toronto', timezone: 'America/Toronto', weight: 2 },
  { country: 'CA', region: 'British Columbia', city: 'Vancouver', timezone: 'America/Vancouver', weight: 1 },
  { country: 'BR', region: 'Sao Paulo', city: 'Sao Paulo', timezone: 'America/Sao_Paulo', weight: 1 },
  { country: 'JP', region: 'Tokyo', city: 'Tokyo', timezone: 'Asia/Tokyo', weight: 1 },
];

export const CALLING_CODES: Readonly<Record<string, string>> = {
  IN: '91',
  US: '1',
  CA: '1',
  GB: '44',
  DE: '49',
  NL: '31',
  SG: '65',
  AE: '971',
  AU: '61',
  BR: '55',
  JP: '81',
};

/** Data-residency region of a tenant, from its home country. */
export const TENANT_REGION: Readonly<Record<string, 'us' | 'eu' | 'in' | 'apac'>> = {
  IN: 'in',
  US: 'us',
  CA: 'us',
  BR: 'us',
  GB: 'eu',
  DE: 'eu',
  NL: 'eu',
  SG: 'apac',
  AE: 'apac',
  AU: 'apac',
  JP: 'apac',
};

interface NamePool {
  first: readonly string[];
  last: readonly string[];
}

const WESTERN: NamePool = {
  first: ['James', 'Emily', 'Michael', 'Sarah', 'David', 'Olivia', 'Daniel', 'Sophia', 'Liam', 'Chloe', 'Ethan'],
  last: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Garcia', 'Wilson', 'Taylor', "O'Brien"],
};

/** First and last names by country, so a user's name matches where they live. */
export const NAMES: Readonly<Record<string, NamePool>> = {
  IN: {
    first: ['Aarav', 'Priya', 'Rahul', 'Ananya', 'Vikram', 'Sneha', 'Arjun', 'Kavya', 'Rohan', 'Meera', 'Ishaan'],
    last: ['Sharma', 'Patel', 'Iyer', 'Reddy', 'Gupta', 'Nair', 'Singh', 'Mehta', 'Rao', 'Kumar', 'Banerjee'],
  },
  US: WESTERN,
  CA: WESTERN,
  GB: WESTERN,
  AU: WESTERN,
  DE: {
    first: ['Lukas', 'Hannah', 'Felix', 'Lea', 'Jonas', 'Mia', 'Paul', 'Emma'],
    last: ['Mueller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Wagner', 'Becker'],
  },
  NL: {
    first: ['Daan', 'Sanne', 'Bram', 'Fleur', 'Jesse', 'Lotte'],
    last: ['de Jong', 'Jansen', 'de Vries', 'van Dijk', 'Bakker', 'Visser'],
  },
  SG: {
    first: ['Wei', 'Mei', 'Jun', 'Hui Min', 'Kai', 'Xin Yi'],
    last: ['Tan', 'Lim', 'Lee', 'Ng', 'Ong', 'Goh'],
  },
  AE: {
    first: ['Omar', 'Fatima', 'Ahmed', 'Layla', 'Yusuf', 'Noor'],
    last: ['Khan', 'Haddad', 'Al Mansoori', 'Rahman', 'Saleh', 'Aziz'],
  },
  BR: {
    first: ['Lucas', 'Mariana', 'Gabriel', 'Beatriz', 'Rafael', 'Juliana'],
    last: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Costa', 'Pereira'],
  },
  JP: {
    first: ['Kenji', 'Yuki', 'Haruto', 'Aoi', 'Sota', 'Hina'],
    last: ['Tanaka', 'Sato', 'Suzuki', 'Takahashi', 'Watanabe', 'Ito'],
  },
};
