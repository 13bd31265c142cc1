"""Project economics: costs from the chain's quantities, cash flow with Québec mining and income taxes, NPV."""
