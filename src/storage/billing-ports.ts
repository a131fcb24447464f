// Ports of the Stripe checkout hook: processed events, plan changes, pending upgrades.

export interface PlanChange {
  plan: string;
  customerId: string | null;
  subscriptionId: string | null;
}

export interface BillingRepository {
  isProcessed(eventId: string): Promise<boolean>;
  recordEvent(eventId: string, type: string, now: number): Promise<void>;
  /**
   * Upgrades the primary organization of the account with this email now, or, without an account,
   * stores the upgrade for its first sign-in. Returns the member ids whose snapshots must be refreshed.
   */
  upgradeForEmail(
    email: string,
    change: PlanChange,
    now: number,
  ): Promise<{ userId: string | null; memberIds: string[] }>;
  /** Sets the plan of whatever organization (or pending upgrade) holds this subscription. */
  setPlanForSubscription(subscriptionId: string, plan: string, now: number): Promise<string[]>;
}

export interface EventLock {
  /** False when another delivery of the same event is being processed right now. */
  acquire(eventId: string): Promise<boolean>;
  release(eventId: string): Promise<void>;
}
