import type { LogDetails, Logger } from '@sess/core';

export interface LogRecord {
  level: 'warn' | 'error' | 'info' | 'debug';
  message: string;
  details: LogDetails | undefined;
}

/** A logger that keeps what it is told, for assertions. */
export class RecordingLogger implements Logger {
  readonly records: LogRecord[] = [];

  warn(message: string, details?: LogDetails): void {
    this.records.push({ level: 'warn', message, details });
  }

  error(message: string, details?: LogDetails): void {
    this.records.push({ level: 'error', message, details });
  }

  info(message: string, details?: LogDetails): void {
    this.records.push({ level: 'info', message, details });
  }

  debug(message: string, details?: LogDetails): void {
    this.records.push({ level: 'debug', message, details });
  }

  messages(level?: LogRecord['level']): string[] {
    return this.records.filter((r) => !level || r.level === level).map((r) => r.message);
  }

  clear(): void {
    this.records.length = 0;
  }
}
