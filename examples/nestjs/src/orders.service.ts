import { Injectable } from "@nestjs/common";

export interface Order {
  id: number;
  item: string;
  customer: string;
}

/** In-memory orders, standing in for a database. */
@Injectable()
export class OrdersService {
  readonly #orders: Order[] = [{ id: 1, item: "keyboard", customer: "user_42" }];

  list(): readonly Order[] {
    return this.#orders;
  }

  create(item: string, customer: string): Order {
    const order = { id: this.#orders.length + 1, item, customer };
    this.#orders.push(order);
    return order;
  }

  cancel(id: number): boolean {
    const index = this.#orders.findIndex((o) => o.id === id);
    if (index === -1) return false;
    this.#orders.splice(index, 1);
    return true;
  }
}
