// Quarterly review form: choosing a 片区 ticks its townships (and unticks those of the 片区
// chosen before); every box can still be changed by hand afterwards.
(function () {
  "use strict";
  var district = document.getElementById("id_district");
  if (!district) { return; }
  var previous = district.value;
  function boxes(value) {
    if (!value) { return []; }
    return Array.prototype.filter.call(
      document.querySelectorAll("input[name=townships][data-district]"),
      function (box) { return box.dataset.district === value; }
    );
  }
  district.addEventListener("change", function () {
    boxes(previous).forEach(function (box) { box.checked = false; });
    boxes(district.value).forEach(function (box) { box.checked = true; });
    previous = district.value;
  });
})();
