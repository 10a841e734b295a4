// `notification`: tells the customer that the order arrived. Run by Eddy's built-in nodejs
// runtime (handler `index.handler`); the rule `order-created` invokes it asynchronously with
// each OrderCreated event (the whole EventBridge envelope).
exports.handler = async (event) => {
  const order = event.detail;
  if (!order || !order.orderId) {
    throw new Error(`not an OrderCreated event: ${JSON.stringify(event)}`);
  }
  // A real function would send an e-mail here.
  console.log(`notification: told ${order.customer} that order ${order.orderId} is confirmed (event ${event.id})`);
  return { notified: order.customer, orderId: order.orderId };
};
