import type { Generated } from 'kysely';

export interface RequestLogTable {
  id: Generated<number>;
  created_at: number;
  route: string;
  model: string | null;
  key_id: string | null;
  status: number;
  success: number;
  latency_ms: number;
  attempts: number;
  stream: number;
}

export interface ErrorLogTable {
  id: Generated<number>;
  created_at: number;
  route: string;
  model: string | null;
  key_id: string | null;
  status: number | null;
  error_type: string;
  message: string;
  request_body: string | null;
}

export interface SettingTable {
  name: string;
  value: string;
  updated_at: number;
}

export interface DatabaseSchema {
  request_log: RequestLogTable;
  error_log: ErrorLogTable;
  setting: SettingTable;
}

export type DatabaseDialect = 'sqlite' | 'mysql' | 'postgres';
