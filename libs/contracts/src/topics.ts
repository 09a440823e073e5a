import definition from '../topics.json';

export interface TopicDefinition {
  name: string;
  partitions: number;
  retentionMs: number;
  cleanupPolicy?: 'delete' | 'compact';
}

/** Every Kafka topic of the public contract, from the one declarative definition. */
export const topics: TopicDefinition[] = (definition as { topics: TopicDefinition[] }).topics;

export function topic(name: string): TopicDefinition {
  const found = topics.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`unknown topic ${name}`);
  return found;
}
