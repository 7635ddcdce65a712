import type { KeyContext } from "@keyguard/nestjs";
import { ApiKey, RequirePermissions } from "@keyguard/nestjs";
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
} from "@nestjs/common";
import { OrdersService } from "./orders.service";

/** Every route needs a valid key (the app-wide UnkeyGuard); most need a permission too. */
@Controller("orders")
@RequirePermissions("orders.read")
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** Any valid key: the key's id, meta and identity, as the guard verified them. */
  @Get("me")
  @RequirePermissions("orders.read OR orders.write")
  me(@ApiKey() key: KeyContext) {
    return {
      keyId: key.keyId,
      name: key.name,
      plan: key.meta?.plan,
      user: key.identity?.externalId,
      permissions: key.permissions,
    };
  }

  @Get()
  list() {
    return { orders: this.orders.list() };
  }

  @Post()
  @RequirePermissions("orders.write")
  create(@Body() body: { item?: string }, @ApiKey() key: KeyContext) {
    return this.orders.create(body.item ?? "unknown", key.identity?.externalId ?? key.keyId);
  }

  @Delete(":id")
  @HttpCode(204)
  @RequirePermissions("orders.write AND orders.cancel")
  cancel(@Param("id", ParseIntPipe) id: number) {
    if (!this.orders.cancel(id)) throw new NotFoundException();
  }
}
