/**
 * A built-in corpus of short everyday messages, generated from templates: chat lines,
 * short replies and notifications (sign-in codes, deliveries, bookings, receipts) labelled
 * 0, and short phishing and spam lures without mail headers labelled 1.
 *
 * Why it exists: the SpamAssassin corpus is long mail whose ham is mostly technical
 * mailing lists, so a model trained on it alone has never seen a one-line chat message or
 * a delivery notice and calls half of them spam. These rows teach the short end of the
 * input distribution. They are generated (deterministic, no download) and written apart
 * from the hand-written evaluation set in test/fixtures/short-messages.jsonl, which no
 * template copies.
 */
import type { BuiltinCorpus } from '../../domain/ports/builtin-corpus.js';

type Slots = Readonly<Record<string, readonly string[]>>;

const SLOTS: Slots = {
  name: ['Sam', 'Alex', 'Priya', 'Jordan', 'Mia', 'Tom', 'Lena', 'Carlos', 'Aisha', 'Ben', 'Yuki', 'Olga', 'Dad', 'Mum', 'Grandpa'],
  day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'tomorrow', 'tonight', 'next week'],
  time: ['8:15', '9am', '10:30', 'noon', '1pm', '2:45', '4pm', '6:30', '7', 'half past five'],
  place: ['the cafe', 'the station', 'the office', 'the park', 'the gym', 'school', 'the library', 'the pub', 'the airport', 'the clinic'],
  food: ['pizza', 'tacos', 'sushi', 'curry', 'pasta', 'burgers', 'soup', 'salad'],
  item: ['charger', 'umbrella', 'keys', 'laptop', 'jacket', 'book', 'headphones', 'passport'],
  task: ['the report', 'the slides', 'the budget', 'the draft', 'the review', 'the invoice', 'the release notes', 'the survey results'],
  event: ['the game', 'the concert', 'the wedding', 'the school play', 'the barbecue', 'book club', 'the match', 'the meetup'],
  minutes: ['5', '10', '15', '20', '30', '45'],
  code: ['318274', '905512', '447190', '662031', '120988', '573346', '880417', '239605'],
  amount: ['$12.40', '$38.00', '$7.99', '$120.00', '$64.15', '€25.00', '£18.50', '$250.00'],
  carrier: ['UPS', 'FedEx', 'DHL', 'the post office', 'Royal Mail', 'the courier'],
  service: ['your bank', 'the pharmacy', 'the dentist', 'the garage', 'the vet', 'the clinic', 'the salon'],
  app: ['Google', 'Microsoft', 'GitHub', 'Slack', 'Dropbox', 'your bank app', 'Steam', 'Discord'],
  brand: ['PayPal', 'Amazon', 'Apple', 'Netflix', 'your bank', 'Microsoft', 'Wells Fargo', 'Chase', 'FedEx', 'the IRS'],
  prize: ['a $1000 gift card', 'a free iPhone', 'a luxury cruise', '$5,000 cash', 'a brand new car', 'a free laptop', 'a $500 voucher'],
  domain: ['secure-login-check.com', 'account-verify-now.net', 'claim-reward-today.info', 'billing-update-center.co', 'parcel-fee-pay.top', 'support-unlock-id.xyz'],
  drug: ['Viagra', 'Cialis', 'Xanax', 'weight loss pills', 'diet pills', 'Valium'],
  money: ['$3,000 a week', '$500 a day', '$10k a month', 'six figures', '$250 per hour'],
  crypto: ['Bitcoin', 'crypto', 'our new token', 'Ethereum', 'forex'],
};

const BENIGN_TEMPLATES: readonly string[] = [
  'hey {name}, are we still meeting at {place} {day}?',
  'running about {minutes} minutes late, sorry',
  'can you grab my {item} from {place}?',
  'thanks {name}, that really helped',
  'see you at {time} {day}',
  'do you want {food} for dinner {day}?',
  'I left my {item} at {place}, can you bring it?',
  'sure, {time} works for me',
  'no problem, talk {day}',
  'did you finish {task}? no rush',
  'I sent {task} to {name} this morning',
  "can't make it {day}, can we move it to {time}?",
  'are you going to {event} {day}?',
  'how was {event}? wish I could have come',
  'on my way, see you in {minutes}',
  'just got home, call you later',
  'ok, I will pick up the kids at {time}',
  'good luck with {task} today!',
  'happy birthday {name}! have a lovely day',
  'thank you so much for dinner last night',
  'can you check {task} before {time}?',
  "I'm at {place}, where are you?",
  'the meeting is moved to {day} at {time}',
  'yes please, and thanks for asking',
  'love you, see you {day}',
  'got it, thanks',
  'sounds great, count me in',
  'is {place} open {day}?',
  'we need milk and bread, can you stop by the shop?',
  'the train is delayed, I will be there around {time}',
  'can you send me the photos from {event}?',
  'please remind {name} about {task}',
  'Your verification code is {code}. Do not share it with anyone.',
  '{code} is your {app} sign-in code.',
  'Use {code} to confirm your sign-in to {app}. The code expires in {minutes} minutes.',
  'Your package from {carrier} will arrive {day} between {time} and 6pm.',
  '{carrier}: your parcel was delivered and left at the front door.',
  'Your order has shipped with {carrier} and should arrive {day}.',
  'Reminder: your appointment at {service} is {day} at {time}.',
  '{service} confirmed your booking for {day} at {time}. Reply C to cancel.',
  'Payment received: {amount}. Thank you for your purchase.',
  'You paid {amount} to {name}. View the receipt in the app.',
  'Your {amount} transfer to {name} has been completed.',
  'Calendar: {task} review, {day} {time}, room 4B.',
  'Your table for two is booked for {day} at {time}.',
  'Your ride is {minutes} minutes away.',
  'New sign-in to your {app} account on a new device. If this was you, you can ignore this.',
  'Your statement for this month is ready to view.',
  'Your flight to Chicago is on time, boarding at {time}.',
  'Your library books are due back {day}.',
  'Your bill of {amount} is due {day}. Autopay is on.',
  'Weather update: rain expected {day}, bring an umbrella.',
  'Your prescription is ready for pickup at {service}.',
];

const MALICIOUS_TEMPLATES: readonly string[] = [
  'Congratulations! You have won {prize}. Click here to claim your prize now!',
  'URGENT: your {brand} account has been suspended. Verify your identity at {domain}',
  'Your {brand} account is locked. Confirm your details within 24 hours: {domain}',
  'Final notice: your package is on hold. Pay the customs fee at {domain}',
  'You have been selected to receive {prize}! Reply YES to claim.',
  'Earn {money} working from home, no experience needed. Sign up today!',
  'Buy cheap {drug} online, no prescription needed, discreet delivery.',
  'Double your {crypto} in 24 hours, guaranteed returns! Invest now.',
  'We detected suspicious activity on your {brand} account. Log in at {domain} to verify.',
  'Your payment failed. Update your billing information at {domain} to avoid suspension.',
  'You are the lucky winner of our lottery! Send your bank details to receive {prize}.',
  'Act now! Pre-approved loan with no credit check, get cash today.',
  'Your {brand} password expires today. Keep it by signing in here: {domain}',
  'Limited time offer: {drug} at 80% off, order now!',
  'Hot singles near you want to chat tonight, click here.',
  'I have a video of you. Send $1500 in {crypto} or I will share it with your contacts.',
  'Your mailbox is full. Click the link to upgrade your storage: {domain}',
  'Claim your tax refund of {amount} now, submit your card details online.',
  'Urgent request from the CEO: buy gift cards and send me the codes right away.',
  'Get rich fast with {crypto}! Join our private investment group for guaranteed profit.',
  'Dear customer, confirm your account or it will be deleted today: {domain}',
  'You have an unclaimed reward of {prize}. Verify your address to receive it.',
  'Make {money} from your phone, free to join, click the link!',
  'Your {brand} card has been blocked. Call now or reactivate at {domain}',
  'Exclusive deal: designer watches 90% off, buy now while stocks last!',
  'Your computer has a virus! Download our free cleaner now.',
  'Winner! Reply with your full name and bank account to receive {prize}.',
  'Lose weight fast with our miracle {drug}, results guaranteed!',
  'Your {brand} refund is pending. Enter your card number and PIN at {domain}',
  'Free entry to win {prize}! Text WIN to 80080 now.',
];

/** Every template with each slot filled in turn, cycling through slot values so lines differ. */
function expand(templates: readonly string[], perTemplate: number, salt: number): string[] {
  const out: string[] = [];
  templates.forEach((template, t) => {
    for (let k = 0; k < perTemplate; k++) {
      let slot = 0;
      out.push(
        template.replace(/\{(\w+)\}/g, (_, name: string) => {
          const values = SLOTS[name];
          if (values === undefined) throw new Error(`template slot {${name}} has no values`);
          slot++;
          // A fixed mixing of template, variant and slot picks a value; no randomness at run time.
          const index = Math.imul(t * 31 + k * 7 + slot * 13 + salt, 0x9e3779b1) >>> 0;
          return values[index % values.length]!;
        }),
      );
    }
  });
  return [...new Set(out)];
}

/** The corpus rows: ≈ 800 benign and ≈ 400 malicious short messages, in a fixed order. */
export function everydayMessages(): Array<{ text: string; label: 0 | 1 }> {
  const benign = expand(BENIGN_TEMPLATES, 16, 1).map((text) => ({ text, label: 0 as const }));
  const malicious = expand(MALICIOUS_TEMPLATES, 14, 2).map((text) => ({ text, label: 1 as const }));
  return [...benign, ...malicious];
}

export const everydayMessagesCorpus: BuiltinCorpus = {
  name: 'everyday-messages',
  description: 'Short everyday messages generated from templates (chat lines, notifications, short phishing and spam lures without mail headers); written for Warden',
  load: async () => everydayMessages(),
};
