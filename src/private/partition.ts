import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * Region name prefixes of the partitions that are not `aws`, for Regions that aws-cdk-lib's Region facts do
 * not list yet (its facts are read first).
 */
const PARTITION_PREFIXES: ReadonlyArray<[string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['eusc-', 'aws-eusc'],
];

/** Partitions whose Regions cannot send events to a bus in another Region. */
export const NO_CROSS_REGION_PARTITIONS: readonly string[] = ['aws-cn'];

/**
 * The partition of a Region name, from the Region alone. `Stack.partition` is a literal only with the feature
 * flag `@aws-cdk/core:enablePartitionLiterals` (apps made by `cdk init` set it; older apps and apps without
 * cdk.json do not): a check that read it would silently pass without the flag.
 */
export function partitionOfRegion(region: string): string {
  const fact = RegionInfo.get(region).partition;
  if (fact !== undefined) return fact;
  return PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}
